import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import type { Store, Tx } from './types.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { toSqliteParams, toSqliteSql } from './placeholders.js';

type Db = Database.Database;
type Statement = Database.Statement;

function prepared(db: Db, cache: Map<string, Statement>, sql: string): Statement {
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(toSqliteSql(sql));
    cache.set(sql, stmt);
  }
  return stmt;
}

/** What a transaction leaves to do once it has ended: wake-ups to send, hooks to call. */
interface Pending {
  notes: Array<[string, string]>;
  ends: Array<(committed: boolean) => void>;
}

function session(db: Db, cache: Map<string, Statement>, pending: Pending | null): Tx {
  return {
    dialect: 'sqlite',
    async all<T>(sql: string, params: readonly unknown[] = []) {
      return prepared(db, cache, sql).all(toSqliteParams(params)) as T[];
    },
    async get<T>(sql: string, params: readonly unknown[] = []) {
      return prepared(db, cache, sql).get(toSqliteParams(params)) as T | undefined;
    },
    async run(sql: string, params: readonly unknown[] = []) {
      return prepared(db, cache, sql).run(toSqliteParams(params)).changes;
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

function open(path: string, readonly: boolean): Db {
  const db = new Database(path, { readonly });
  // WAL: readers never block the writer. synchronous=NORMAL is durable across process
  // crashes (kill -9); only an OS crash can lose the last transactions.
  if (!readonly) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // Savepoints (each transaction of a group after the first) journal the pages they touch
  // first: in memory, not in a temporary file (measured: 12,900 → 17,900 executions stored
  // a second with one savepoint each, 7,700 → 14,700 with two nested).
  db.pragma('temp_store = MEMORY');
  return db;
}

// Group commit: transactions asked for in the same turn of the event loop, or while a group
// runs, share its BEGIN … COMMIT, each after the first under a savepoint of its own. Under
// load a commit (WAL frames of every page touched, ~25-400 µs) is paid once per group instead
// of once per transaction; alone, a transaction is its own group. The caps keep the wait of
// the group's first caller short.
const GROUP_MAX_TRANSACTIONS = 256;
const GROUP_MAX_MS = 3;

// Checkpoints (WAL pages copied into the database file, two fsyncs) run when the writer has
// been idle a moment, or between groups once the last one is old — not inside the
// commit that crosses SQLite's 1,000-page mark, as its autocheckpoint does: that stalled the
// event loop (a 10 MB result's commit took ~0.3 s more, measured) in the middle of the work.
const CHECKPOINT_IDLE_MS = 5;
// Idle moments come often under load: one checkpoint a second at most. A page written many
// times between two checkpoints is copied once, so rarer checkpoints cost less in all (at
// every 5 ms gap they took 17 % of the server's CPU, every 250 ms still 6 %).
const CHECKPOINT_AT_MOST_EVERY_MS = 1_000;
// A writer that never idles checkpoints between two groups once a second too: the checkpoint
// stalls the event loop for as long as it copies, and a second of sustained writes copies in
// 40-80 ms where five seconds took 300-650 ms (on the webhook benchmark, past its first two
// seconds no event is refused for 256 already in flight; with five seconds some were every
// checkpoint).
const CHECKPOINT_AT_LEAST_EVERY_MS = 1_000;

interface Queued {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  pending: Pending;
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

/** The embedded store: one writer connection running transactions in groups, one reader connection (WAL). */
export function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const writer = open(path, false);
  // ':memory:' cannot be shared between connections, so reads go to the writer there.
  const reader = path === ':memory:' ? writer : open(path, true);
  const writeCache = new Map<string, Statement>();
  const readCache = reader === writer ? writeCache : new Map<string, Statement>();
  const control = (sql: string) => {
    const stmt = writer.prepare(sql);
    return () => void stmt.run();
  };
  const begin = control('BEGIN IMMEDIATE');
  const commit = control('COMMIT');
  const savepoint = control('SAVEPOINT squall_tx');
  const release = control('RELEASE squall_tx');
  const rollbackTo = control('ROLLBACK TO squall_tx');
  const rollback = control('ROLLBACK');
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const queue: Queued[] = [];
  let draining: Promise<void> | null = null;

  const checkpointing = path !== ':memory:';
  if (checkpointing) writer.pragma('wal_autocheckpoint = 0');
  let lastCheckpoint = performance.now();
  let uncheckpointed = false;
  let idle: NodeJS.Timeout | null = null;
  const checkpoint = () => {
    lastCheckpoint = performance.now();
    uncheckpointed = false;
    // PASSIVE copies what no reader still needs and never waits; the next one copies the rest
    // (so a failure here, the disk full say, loses nothing: the WAL keeps the pages).
    try {
      writer.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      uncheckpointed = true;
    }
  };
  // Between groups (no transaction open): the writer busy for long, the checkpoint is due. It
  // runs on the checkpointer's thread, started the first time this happens (a store that never
  // stays that busy does without the thread and its memory).
  let background: Checkpointer | null = null;
  let backgroundRunning = false;
  const checkpointIfOverdue = () => {
    if (!uncheckpointed || backgroundRunning || performance.now() - lastCheckpoint < CHECKPOINT_AT_LEAST_EVERY_MS) return;
    background ??= startCheckpointer(path);
    lastCheckpoint = performance.now();
    uncheckpointed = false;
    backgroundRunning = background.start((ok) => {
      backgroundRunning = false;
      if (!ok) uncheckpointed = true;
      // What was committed meanwhile waits for the next idle moment, as after any commit.
      if (uncheckpointed && !idle) armIdle(CHECKPOINT_IDLE_MS);
    });
    if (!backgroundRunning) checkpoint();
  };
  // Idle means no commit for CHECKPOINT_IDLE_MS, and a checkpoint is allowed once the last is
  // CHECKPOINT_AT_MOST_EVERY_MS old: the timer wakes when both may hold and checks them. (It
  // used to be pushed back by every commit, so under steady traffic with idle gaps the
  // checkpoint waited for the forced one between groups, in the middle of some event's work.)
  let lastCommit = 0;
  let closed = false;
  const armIdle = (ms: number) => {
    idle = setTimeout(onIdle, ms).unref();
  };
  const onIdle = () => {
    idle = null;
    // A group is running: its commit arms the timer again.
    if (closed || draining !== null || !uncheckpointed || backgroundRunning) return;
    const wait = Math.max(lastCommit + CHECKPOINT_IDLE_MS, lastCheckpoint + CHECKPOINT_AT_MOST_EVERY_MS) - performance.now();
    if (wait > 0) armIdle(wait);
    else checkpoint();
  };
  const afterCommit = () => {
    if (!checkpointing) return;
    uncheckpointed = true;
    lastCommit = performance.now();
    if (!idle) armIdle(Math.max(CHECKPOINT_IDLE_MS, lastCheckpoint + CHECKPOINT_AT_MOST_EVERY_MS - lastCommit));
  };

  // Runs one transaction of the group under its savepoint: a failure undoes only its own writes.
  // The group's first needs none (a savepoint journals every page it touches first, which
  // costs about as much as the writes): when it fails, nothing else is in the group yet, and
  // the group starts afresh.
  async function runOne(item: Queued, first: boolean): Promise<void> {
    if (!first) savepoint();
    try {
      item.outcome = { ok: true, value: await item.fn(session(writer, writeCache, item.pending)) };
    } catch (error) {
      item.outcome = { ok: false, error };
      if (first) {
        if (writer.inTransaction) rollback();
        begin();
        return;
      }
      if (writer.inTransaction) rollbackTo();
    }
    // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the group is lost.
    if (!writer.inTransaction) throw new Error('the transaction was rolled back by SQLite', { cause: item.outcome.ok ? undefined : item.outcome.error });
    if (!first) release();
  }

  async function runGroup(group: Queued[]): Promise<void> {
    const started = performance.now();
    try {
      begin();
    } catch (err) {
      // The database stayed locked by another process past busy_timeout: those waiting fail.
      for (const item of queue.splice(0)) item.reject(err);
      return;
    }
    try {
      while (queue.length && group.length < GROUP_MAX_TRANSACTIONS && (group.length === 0 || performance.now() - started < GROUP_MAX_MS)) {
        const item = queue.shift()!;
        group.push(item);
        await runOne(item, group.length === 1);
      }
      commit();
    } catch (err) {
      if (writer.inTransaction) rollback();
      // Nothing of the group was committed: those that had succeeded fail with the group's error.
      for (const item of group) if (!item.outcome || item.outcome.ok) item.outcome = { ok: false, error: err };
    }
    // Delivered on the next turn of the event loop: the callers' own continuations (say, the
    // HTTP answers to the requests that committed) go first, then the consumers they woke.
    const notes = group.flatMap((item) => (item.outcome!.ok ? item.pending.notes : []));
    const ends = group.flatMap((item) => item.pending.ends.map((fn) => () => fn(item.outcome!.ok)));
    if (notes.length || ends.length) setImmediate(() => {
      for (const [channel, payload] of notes) bus.emit(channel, payload);
      for (const end of ends) end();
    });
    for (const item of group) {
      const o = item.outcome!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    }
    if (group.some((item) => item.outcome!.ok)) afterCommit();
  }

  // Groups run in the check phase (setImmediate), one a turn of the event loop: the
  // transactions asked for in a turn's I/O callbacks share a group (under load one commit for
  // many webhooks instead of one each: measured 478 → 260 µs of server CPU per webhook event
  // at 2,000/s), and work that asks for transaction after transaction (the rules engine
  // deciding a backlog) lets the I/O that arrived meanwhile, HTTP requests, be read between
  // two of its groups instead of waiting for the whole chain.
  const nextTurn = () => new Promise<void>((r) => setImmediate(r)).then(drain);
  async function drain(): Promise<void> {
    checkpointIfOverdue();
    await runGroup([]);
    draining = queue.length ? nextTurn() : null;
  }

  return {
    dialect: 'sqlite',
    description: `sqlite:${path}`,
    tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject, pending: { notes: [], ends: [] } });
        draining ??= nextTurn();
      });
    },
    read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return fn(session(reader, readCache, null));
    },
    listen(channel, onWake) {
      bus.on(channel, onWake);
      return () => bus.off(channel, onWake);
    },
    async close() {
      while (draining) await draining;
      closed = true;
      // The thread finishes a checkpoint it has begun; its answer may arm the idle timer.
      await background?.close();
      if (idle) clearTimeout(idle);
      if (reader !== writer) reader.close();
      writer.close();
    },
  };
}
