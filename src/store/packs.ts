// SQL for packs, actions and policies. JSON columns are text, times epoch ms, flags 0/1.
import type { Action, Pack } from '../packs/model.js';
import type { Policy } from '../packs/policies.js';
import type { Tx } from './types.js';

interface PackRow {
  name: string;
  version: string;
  description: string;
  path: string | null;
  metadata: string;
  registered_at: number;
}

interface ActionRow {
  ref: string;
  pack: string;
  name: string;
  runner_type: string;
  entry_point: string;
  description: string;
  enabled: number;
  parameters: string;
  metadata: string;
  updated_at: number;
}

interface PolicyRow {
  ref: string;
  pack: string;
  name: string;
  resource_ref: string;
  policy_type: string;
  parameters: string;
  enabled: number;
}

function toPack(r: PackRow): Pack {
  return { ...r, metadata: JSON.parse(r.metadata) };
}

function toAction(r: ActionRow): Action {
  return { ...r, enabled: r.enabled === 1, parameters: JSON.parse(r.parameters), metadata: JSON.parse(r.metadata) };
}

function toPolicy(r: PolicyRow): Policy {
  return { ...r, enabled: r.enabled === 1, parameters: JSON.parse(r.parameters) } as Policy;
}

// An upsert rather than delete + insert: its row lock makes a concurrent registration of
// the same pack wait for this one to commit instead of failing on the primary key.
async function upsertPack(tx: Tx, p: Pack): Promise<void> {
  await tx.run(
    `insert into packs (name, version, description, path, metadata, registered_at) values ($1, $2, $3, $4, $5, $6)
     on conflict (name) do update set version = excluded.version, description = excluded.description,
       path = excluded.path, metadata = excluded.metadata, registered_at = excluded.registered_at`,
    [p.name, p.version, p.description, p.path, JSON.stringify(p.metadata), p.registered_at],
  );
}

function actionValues(a: Action): unknown[] {
  return [a.ref, a.pack, a.name, a.runner_type, a.entry_point, a.description, a.enabled ? 1 : 0,
    JSON.stringify(a.parameters), JSON.stringify(a.metadata), a.updated_at];
}

const INSERT_ACTION = `insert into actions (ref, pack, name, runner_type, entry_point, description, enabled, parameters, metadata, updated_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

async function insertPolicy(tx: Tx, p: Policy): Promise<void> {
  await tx.run(
    `insert into policies (ref, pack, name, resource_ref, policy_type, parameters, enabled) values ($1, $2, $3, $4, $5, $6, $7)`,
    [p.ref, p.pack, p.name, p.resource_ref, p.policy_type, JSON.stringify(p.parameters), p.enabled ? 1 : 0],
  );
}

/** Notified (after commit) whenever a pack, action or policy changes: nodes drop what they cached. */
export const CATALOG_CHANNEL = 'squall_catalog';

function changed(tx: Tx): void {
  tx.notify(CATALOG_CHANNEL);
}

/**
 * Replaces every row of `pack` (the pack, its actions, its policies) with the given ones.
 * Call it inside one store.tx: if any insert fails, the previous version stays.
 */
export async function replacePack(tx: Tx, pack: Pack, actions: readonly Action[], policies: readonly Policy[]): Promise<void> {
  await upsertPack(tx, pack);
  await deleteContents(tx, pack.name);
  for (const a of actions) await tx.run(INSERT_ACTION, actionValues(a));
  for (const p of policies) await insertPolicy(tx, p);
  changed(tx);
}

export async function getPack(tx: Tx, name: string): Promise<Pack | undefined> {
  const row = await tx.get<PackRow>(`select * from packs where name = $1`, [name]);
  return row && toPack(row);
}

export async function listPacks(tx: Tx): Promise<Pack[]> {
  return (await tx.all<PackRow>(`select * from packs order by name`)).map(toPack);
}

// Explicit deletes rather than relying on ON DELETE CASCADE, which SQLite honours only
// on connections with foreign_keys switched on.
async function deleteContents(tx: Tx, pack: string): Promise<void> {
  await tx.run(`delete from policies where pack = $1`, [pack]);
  await tx.run(`delete from actions where pack = $1`, [pack]);
}

/** Deletes the pack with its actions and policies; false when there was no such pack. */
export async function deletePack(tx: Tx, name: string): Promise<boolean> {
  await deleteContents(tx, name);
  changed(tx);
  return (await tx.run(`delete from packs where name = $1`, [name])) > 0;
}

export async function getAction(tx: Tx, ref: string): Promise<Action | undefined> {
  const row = await tx.get<ActionRow>(`select * from actions where ref = $1`, [ref]);
  return row && toAction(row);
}

export interface ActionQuery {
  pack?: string;
  limit: number;
  offset: number;
}

/** Actions ordered by ref, optionally of one pack, one page at a time. */
export async function listActions(tx: Tx, q: ActionQuery): Promise<Action[]> {
  const rows = q.pack === undefined
    ? await tx.all<ActionRow>(`select * from actions order by ref limit $1 offset $2`, [q.limit, q.offset])
    : await tx.all<ActionRow>(`select * from actions where pack = $1 order by ref limit $2 offset $3`, [q.pack, q.limit, q.offset]);
  return rows.map(toAction);
}

/** How many actions exist (of one pack, when given), for paging. */
export async function countActions(tx: Tx, pack?: string): Promise<number> {
  const row = pack === undefined
    ? await tx.get<{ n: number | string }>(`select count(*) as n from actions`)
    : await tx.get<{ n: number | string }>(`select count(*) as n from actions where pack = $1`, [pack]);
  return Number(row?.n ?? 0);
}

/** Inserts a new action; false (and nothing written) when one with its ref exists. */
export async function insertAction(tx: Tx, a: Action): Promise<boolean> {
  changed(tx);
  return (await tx.run(`${INSERT_ACTION} on conflict (ref) do nothing`, actionValues(a))) > 0;
}

/** Inserts the action, or replaces the one with the same ref. */
export async function upsertAction(tx: Tx, a: Action): Promise<void> {
  await tx.run(
    `${INSERT_ACTION} on conflict (ref) do update set pack = excluded.pack, name = excluded.name,
      runner_type = excluded.runner_type, entry_point = excluded.entry_point, description = excluded.description,
      enabled = excluded.enabled, parameters = excluded.parameters, metadata = excluded.metadata, updated_at = excluded.updated_at`,
    actionValues(a),
  );
  changed(tx);
}

/** Deletes one action; false when there was no such action. */
export async function deleteAction(tx: Tx, ref: string): Promise<boolean> {
  changed(tx);
  return (await tx.run(`delete from actions where ref = $1`, [ref])) > 0;
}

/** The policies that apply to the action `resourceRef` (enabled or not), ordered by ref. */
export async function listPolicies(tx: Tx, resourceRef: string): Promise<Policy[]> {
  return (await tx.all<PolicyRow>(`select * from policies where resource_ref = $1 order by ref`, [resourceRef])).map(toPolicy);
}
