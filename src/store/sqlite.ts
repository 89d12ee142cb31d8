import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import type { Store, Tx } from './types.js';
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

function session(db: Db, cache: Map<string, Statement>, pending: Array<[string, string]> | null): Tx {
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
      pending.push([channel, payload]);
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
  return db;
}

/** The embedded store: one writer connection behind a mutex, one reader connection (WAL). */
export function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const writer = open(path, false);
  // ':memory:' cannot be shared between connections, so reads go to the writer there.
  const reader = path === ':memory:' ? writer : open(path, true);
  const writeCache = new Map<string, Statement>();
  const readCache = reader === writer ? writeCache : new Map<string, Statement>();
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let tail: Promise<unknown> = Promise.resolve();

  async function runTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const pending: Array<[string, string]> = [];
    writer.exec('BEGIN IMMEDIATE');
    let result: T;
    try {
      result = await fn(session(writer, writeCache, pending));
      writer.exec('COMMIT');
    } catch (err) {
      if (writer.inTransaction) writer.exec('ROLLBACK');
      throw err;
    }
    // Delivered on the next turn of the event loop: the caller's own continuation (say, the
    // HTTP answer to the request that committed) goes first, then the consumers it woke.
    if (pending.length) setImmediate(() => {
      for (const [channel, payload] of pending) bus.emit(channel, payload);
    });
    return result;
  }

  return {
    dialect: 'sqlite',
    description: `sqlite:${path}`,
    tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      // Transactions on the one writer connection run one after another.
      const next = tail.then(() => runTx(fn));
      tail = next.catch(() => undefined);
      return next;
    },
    read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return fn(session(reader, readCache, null));
    },
    listen(channel, onWake) {
      bus.on(channel, onWake);
      return () => bus.off(channel, onWake);
    },
    async close() {
      await tail;
      if (reader !== writer) reader.close();
      writer.close();
    },
  };
}
