// The store's one interface. Only src/store knows which database sits behind it.

export type Dialect = 'sqlite' | 'postgres';

/** A transaction (or a read-only session). SQL uses $1, $2 … placeholders on both backends. */
export interface Tx {
  readonly dialect: Dialect;
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Queues a wake-up on `channel`, delivered to listeners once the transaction commits. */
  notify(channel: string, payload?: string): void;
  /** Calls `fn` once the transaction has ended: true when it committed (after its notifications), false when it rolled back. */
  onEnd(fn: (committed: boolean) => void): void;
}

export interface Store {
  readonly dialect: Dialect;
  /** Where the data lives, without credentials ("sqlite:/path/squall.db", "postgres://host:5432/db"). */
  readonly description: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs reads outside an explicit transaction (they see only committed data). */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Calls `onWake` for each notification on `channel` (from this process or, on PostgreSQL, any node). */
  listen(channel: string, onWake: (payload: string) => void): () => void;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` for PostgreSQL; otherwise the SQLite file path (or ':memory:'). */
  url: string;
  /** PostgreSQL only: the schema to use (created if missing); tests give each suite its own. */
  schema?: string;
}
