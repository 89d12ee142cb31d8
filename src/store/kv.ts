// SQL for key-value pairs. Expired rows are filtered in every read (expire_at is checked
// against the caller's clock), and deleted by purgeExpired.
import type { Tx } from './types.js';

export interface KvRow {
  scope: string;
  owner: string;
  name: string;
  value: string;
  is_json: number;
  secret: number;
  expire_at: number | null;
  created_at: number;
  updated_at: number;
}

// Rows are addressed by name_key, the name in hex (see migration 0004).
function hex(name: string): string {
  return Buffer.from(name, 'utf8').toString('hex');
}

const COLUMNS = 'scope, owner, name, value, is_json, secret, expire_at, created_at, updated_at';
const live = '(expire_at is null or expire_at > $4)';

export function getKv(tx: Tx, scope: string, owner: string, name: string, now: number): Promise<KvRow | undefined> {
  return tx.get<KvRow>(`select ${COLUMNS} from kv_pairs where scope = $1 and owner = $2 and name_key = $3 and ${live}`, [scope, owner, hex(name), now]);
}

/** Several names of one scope/owner at once (template preloading). */
export async function getKvMany(tx: Tx, scope: string, owner: string, names: readonly string[], now: number): Promise<KvRow[]> {
  if (names.length === 0) return [];
  const marks = names.map((_, i) => `$${i + 4}`).join(', ');
  return tx.all<KvRow>(
    `select ${COLUMNS} from kv_pairs where scope = $1 and owner = $2 and (expire_at is null or expire_at > $3) and name_key in (${marks})`,
    [scope, owner, now, ...names.map(hex)],
  );
}

export interface KvListFilter {
  scope: string;
  /** Exact owner, or null for every owner of the scope (admin listing). */
  owner: string | null;
  prefix?: string;
  limit: number;
  offset: number;
}

/**
 * Lists by name prefix, as a range on name_key (hex of the name): [hex(prefix), hex(prefix)+'g')
 * holds exactly the names starting with the prefix, in byte order, under any collation.
 */
export function listKv(tx: Tx, f: KvListFilter, now: number): Promise<KvRow[]> {
  const params: unknown[] = [f.scope, now, f.limit, f.offset];
  const where = ['scope = $1', '(expire_at is null or expire_at > $2)'];
  if (f.owner !== null) {
    params.push(f.owner);
    where.push(`owner = $${params.length}`);
  }
  if (f.prefix) {
    params.push(hex(f.prefix), hex(f.prefix) + 'g');
    where.push(`name_key >= $${params.length - 1} and name_key < $${params.length}`);
  }
  return tx.all<KvRow>(`select ${COLUMNS} from kv_pairs where ${where.join(' and ')} order by owner, name_key limit $3 offset $4`, params);
}

export async function upsertKv(tx: Tx, row: KvRow): Promise<void> {
  await tx.run(
    `insert into kv_pairs (scope, owner, name, value, is_json, secret, expire_at, created_at, updated_at, name_key)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (scope, owner, name_key) do update set value = excluded.value, is_json = excluded.is_json,
       secret = excluded.secret, expire_at = excluded.expire_at, updated_at = excluded.updated_at`,
    [row.scope, row.owner, row.name, row.value, row.is_json, row.secret, row.expire_at, row.created_at, row.updated_at, hex(row.name)],
  );
}

/** The row as it is now, expired or not (to tell a create from an update), locked on PostgreSQL. */
export function getKvForUpdate(tx: Tx, scope: string, owner: string, name: string): Promise<KvRow | undefined> {
  const lock = tx.dialect === 'postgres' ? ' for update' : '';
  return tx.get<KvRow>(`select ${COLUMNS} from kv_pairs where scope = $1 and owner = $2 and name_key = $3${lock}`, [scope, owner, hex(name)]);
}

export function deleteKv(tx: Tx, scope: string, owner: string, name: string): Promise<number> {
  return tx.run('delete from kv_pairs where scope = $1 and owner = $2 and name_key = $3', [scope, owner, hex(name)]);
}

export function expiredKv(tx: Tx, now: number, limit: number): Promise<KvRow[]> {
  return tx.all<KvRow>(`select ${COLUMNS} from kv_pairs where expire_at is not null and expire_at <= $1 order by expire_at limit $2`, [now, limit]);
}

export function secretKv(tx: Tx): Promise<KvRow[]> {
  return tx.all<KvRow>(`select ${COLUMNS} from kv_pairs where secret = 1 order by scope, owner, name`);
}

export async function setKvValue(tx: Tx, row: Pick<KvRow, 'scope' | 'owner' | 'name' | 'value'>): Promise<void> {
  await tx.run('update kv_pairs set value = $4 where scope = $1 and owner = $2 and name_key = $3', [row.scope, row.owner, hex(row.name), row.value]);
}
