import pg from 'pg';
import type { Store, Tx } from './types.js';

// bigint columns hold epoch milliseconds and counters, well inside 2^53: read them as numbers.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

/** What a transaction leaves to do once it has ended: wake-ups to send, hooks to call. */
interface Pending {
  notes: Array<[string, string]>;
  ends: Array<(committed: boolean) => void>;
}

function session(q: (sql: string, params: unknown[]) => Promise<pg.QueryResult>, pending: Pending | null): Tx {
  return {
    dialect: 'postgres',
    async all<T>(sql: string, params: readonly unknown[] = []) {
      return (await q(sql, [...params])).rows as T[];
    },
    async get<T>(sql: string, params: readonly unknown[] = []) {
      return (await q(sql, [...params])).rows[0] as T | undefined;
    },
    async run(sql: string, params: readonly unknown[] = []) {
      return (await q(sql, [...params])).rowCount ?? 0;
    },
    notify(channel: string, payload = '') {
      if (!pending) throw new Error('notify() needs a transaction (store.tx)');
      pending.notes.push([channel, payload]);
    },
    onEnd(fn: (committed: boolean) => void) {
      if (!pending) throw new Error('onEnd() needs a transaction (store.tx)');
      pending.ends.push(fn);
    },
  };
}

function redact(url: string): string {
  const u = new URL(url);
  u.password = '';
  u.username = '';
  return u.toString();
}

/** PostgreSQL: a pool for work, one dedicated connection for LISTEN. */
export function openPostgres(url: string, schema?: string): Store {
  const options = schema ? `-c search_path=${schema}` : undefined;
  const pool = new pg.Pool({ connectionString: url, max: 10, types, options });
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listenClient: pg.Client | null = null;
  let listenReady: Promise<pg.Client> | null = null;
  let closed = false;
  let listening: Promise<unknown> = Promise.resolve();

  function listenConnection(): Promise<pg.Client> {
    listenReady ??= (async () => {
      const client = new pg.Client({ connectionString: url, types, options });
      await client.connect();
      client.on('notification', (msg) => {
        for (const cb of listeners.get(msg.channel) ?? []) cb(msg.payload ?? '');
      });
      client.on('error', () => {
        // The connection dropped: reconnect and re-subscribe, so wake-ups keep coming.
        listenReady = null;
        listenClient = null;
        if (!closed) void resubscribe();
      });
      listenClient = client;
      return client;
    })();
    return listenReady;
  }

  async function resubscribe(): Promise<void> {
    const client = await listenConnection();
    for (const channel of listeners.keys()) await client.query(`LISTEN "${channel}"`);
  }

  return {
    dialect: 'postgres',
    description: redact(url) + (schema ? ` (schema ${schema})` : ''),
    async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      const pending: Pending = { notes: [], ends: [] };
      const end = (committed: boolean) => {
        for (const fn of pending.ends) fn(committed);
      };
      try {
        await client.query('BEGIN');
        const result = await fn(session((sql, params) => client.query(sql, params), pending));
        // NOTIFY inside the transaction is delivered by PostgreSQL only if it commits.
        for (const [channel, payload] of pending.notes) await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
        await client.query('COMMIT');
        client.release();
        setImmediate(end, true);
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
        setImmediate(end, false);
        throw err;
      }
    },
    read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return fn(session((sql, params) => pool.query(sql, params), null));
    },
    listen(channel, onWake) {
      if (!/^[a-z0-9_.:-]+$/i.test(channel)) throw new Error(`invalid channel name ${channel}`);
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        // One query at a time on the LISTEN connection; a failure (the store closing, the
        // connection dropping) is retried by resubscribe() or moot, never unhandled.
        listening = listening
          .then(() => listenConnection())
          .then((c) => c.query(`LISTEN "${channel}"`))
          .catch(() => undefined);
      }
      set.add(onWake);
      return () => set.delete(onWake);
    },
    async close() {
      closed = true;
      await listening;
      await listenReady?.catch(() => undefined);
      await listenClient?.end().catch(() => undefined);
      await pool.end();
    },
  };
}
