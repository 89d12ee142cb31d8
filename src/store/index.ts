import { SquallError } from '../errors.js';
import { migrate } from './migrate.js';
import { openSqlite } from './sqlite.js';
import type { Store, StoreOptions } from './types.js';

export type { Dialect, Store, StoreOptions, Tx } from './types.js';
export { migrate } from './migrate.js';

/** Opens the store named by `url` (a postgres:// URL, or an SQLite file) and migrates it. */
export async function openStore(given: StoreOptions, now: () => number = Date.now): Promise<Store> {
  const isPostgres = /^postgres(ql)?:\/\//.test(given.url);
  const opts = isPostgres ? withSchemaFromUrl(given) : given;
  // pg is loaded only for PostgreSQL: the embedded default starts without it.
  const openPostgres = isPostgres ? (await import('./postgres.js')).openPostgres : null;
  if (openPostgres && opts.schema) await ensureSchema(openPostgres, opts.url, opts.schema);
  const store = openPostgres ? openPostgres(opts.url, opts.schema) : openSqlite(opts.url);
  try {
    await migrate(store, now);
  } catch (err) {
    await store.close().catch(() => undefined);
    if (err instanceof SquallError) throw err;
    throw new SquallError('STORE_UNAVAILABLE', `cannot open the store at ${store.description}: ${(err as Error).message}`, {}, { cause: err });
  }
  return store;
}

// postgres://host/db?schema=name keeps Squall's tables in that schema (several instances, one database).
function withSchemaFromUrl(opts: StoreOptions): StoreOptions {
  const u = new URL(opts.url);
  const schema = u.searchParams.get('schema');
  if (!schema) return opts;
  u.searchParams.delete('schema');
  return { url: u.toString(), schema: opts.schema ?? schema };
}

async function ensureSchema(openPostgres: (url: string) => Store, url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new SquallError('CONFIG_INVALID', `invalid PostgreSQL schema name ${schema}`);
  const plain = openPostgres(url);
  try {
    await plain.tx((tx) => tx.run(`create schema if not exists ${schema}`));
  } finally {
    await plain.close();
  }
}
