import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SquallError } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { Store } from './types.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

// A migration is migrations/NNNN-name.sql, shared by both backends, unless a
// NNNN-name.sqlite.sql / NNNN-name.postgres.sql pair replaces it for one of them.
function loadMigrations(dialect: Store['dialect']): Migration[] {
  const dir = join(packageRoot(), 'src', 'store', 'migrations');
  const files = readdirSync(dir).filter((f) => /^\d{4}-.+\.sql$/.test(f)).sort();
  const byVersion = new Map<number, Migration>();
  for (const file of files) {
    const m = /^(\d{4})-(.+?)(?:\.(sqlite|postgres))?\.sql$/.exec(file)!;
    if (m[3] && m[3] !== dialect) continue;
    const version = Number(m[1]);
    if (byVersion.has(version) && !m[3]) continue;
    byVersion.set(version, { version, name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') });
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

function statements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

/** Applies every migration newer than the database's version, each in its own transaction. */
export async function migrate(store: Store, now: () => number): Promise<number> {
  const all = loadMigrations(store.dialect);
  const known = all.at(-1)?.version ?? 0;
  await store.tx(async (tx) => {
    await tx.run('create table if not exists schema_migrations (version integer primary key, name text not null, applied_at bigint not null)');
  });
  const current = await store.read(async (tx) => (await tx.get<{ v: number | null }>('select max(version) as v from schema_migrations'))?.v ?? 0);
  if (current > known) {
    throw new SquallError('SCHEMA_TOO_NEW', `the database schema is version ${current}, this Squall knows up to ${known}`);
  }
  for (const m of all.filter((x) => x.version > current)) {
    await store.tx(async (tx) => {
      for (const stmt of statements(m.sql)) await tx.run(stmt);
      await tx.run('insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)', [m.version, m.name, now()]);
    });
  }
  return known;
}
