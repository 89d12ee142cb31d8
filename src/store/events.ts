// SQL for trigger types, triggers, trigger instances and delivery-id dedupe.
import type { Trigger, TriggerInstance, TriggerInstanceStatus, TriggerType } from '../events/model.js';
import { bumpRevision } from './revision.js';
import type { Tx } from './types.js';

interface TriggerTypeRow {
  ref: string;
  pack: string;
  name: string;
  description: string;
  payload_schema: string;
  parameters_schema: string;
  metadata: string;
  updated_at: number;
}

interface TriggerRow {
  ref: string;
  pack: string;
  name: string;
  type: string;
  parameters: string;
  created_at: number;
}

interface InstanceRow {
  id: string;
  trigger_ref: string;
  trigger_type: string;
  payload: string;
  occurrence_time: number;
  status: TriggerInstanceStatus;
  delivery_id: string | null;
  trace_tag: string | null;
}

const toType = (r: TriggerTypeRow): TriggerType => ({
  ...r,
  payload_schema: JSON.parse(r.payload_schema),
  parameters_schema: JSON.parse(r.parameters_schema),
  metadata: JSON.parse(r.metadata),
});

const toTrigger = (r: TriggerRow): Trigger => ({
  ref: r.ref, pack: r.pack, name: r.name, type: r.type, parameters: JSON.parse(r.parameters), created_at: r.created_at,
});

const toInstance = (r: InstanceRow): TriggerInstance => ({
  id: r.id,
  trigger: r.trigger_ref,
  trigger_type: r.trigger_type,
  payload: JSON.parse(r.payload),
  occurrence_time: r.occurrence_time,
  status: r.status,
  delivery_id: r.delivery_id,
  trace_tag: r.trace_tag,
});

/** Inserts or refreshes a trigger type; the rules revision moves only when what it stores changed. */
export async function upsertTriggerType(tx: Tx, t: TriggerType): Promise<void> {
  const texts = [t.description, JSON.stringify(t.payload_schema), JSON.stringify(t.parameters_schema), JSON.stringify(t.metadata)];
  const before = await tx.get<Pick<TriggerTypeRow, 'description' | 'payload_schema' | 'parameters_schema' | 'metadata'>>(
    'select description, payload_schema, parameters_schema, metadata from trigger_types where ref = $1', [t.ref],
  );
  // Every start refreshes the built-in types: unchanged, they leave each node's caches alone.
  if (!before || [before.description, before.payload_schema, before.parameters_schema, before.metadata].some((v, i) => v !== texts[i])) await bumpRevision(tx);
  await tx.run(
    `insert into trigger_types (ref, pack, name, description, payload_schema, parameters_schema, metadata, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (ref) do update set description = excluded.description, payload_schema = excluded.payload_schema,
       parameters_schema = excluded.parameters_schema, metadata = excluded.metadata, updated_at = excluded.updated_at`,
    [t.ref, t.pack, t.name, ...texts, t.updated_at],
  );
}

export async function getTriggerType(tx: Tx, ref: string): Promise<TriggerType | undefined> {
  const r = await tx.get<TriggerTypeRow>('select * from trigger_types where ref = $1', [ref]);
  return r && toType(r);
}

export async function listTriggerTypes(tx: Tx, pack?: string): Promise<TriggerType[]> {
  const rows = pack === undefined
    ? await tx.all<TriggerTypeRow>('select * from trigger_types order by ref')
    : await tx.all<TriggerTypeRow>('select * from trigger_types where pack = $1 order by ref', [pack]);
  return rows.map(toType);
}

/** Inserts the trigger unless a trigger with its ref exists (the ref is derived from type + parameters). */
export async function ensureTrigger(tx: Tx, t: Trigger): Promise<void> {
  const url = t.type === 'core.st2.webhook' && typeof t.parameters.url === 'string' ? t.parameters.url : null;
  const inserted = await tx.run(
    `insert into triggers (ref, pack, name, type, parameters, webhook_url, created_at) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (ref) do nothing`,
    [t.ref, t.pack, t.name, t.type, JSON.stringify(t.parameters), url, t.created_at],
  );
  if (inserted) await bumpRevision(tx);
}

export async function getTrigger(tx: Tx, ref: string): Promise<Trigger | undefined> {
  const r = await tx.get<TriggerRow>('select ref, pack, name, type, parameters, created_at from triggers where ref = $1', [ref]);
  return r && toTrigger(r);
}

export async function listTriggers(tx: Tx, type?: string): Promise<Trigger[]> {
  const cols = 'select ref, pack, name, type, parameters, created_at from triggers';
  const rows = type === undefined
    ? await tx.all<TriggerRow>(`${cols} order by ref`)
    : await tx.all<TriggerRow>(`${cols} where type = $1 order by ref`, [type]);
  return rows.map(toTrigger);
}

/** The core.st2.webhook triggers registered for `url`. */
export async function webhookTriggers(tx: Tx, url: string): Promise<Trigger[]> {
  const rows = await tx.all<TriggerRow>(
    'select ref, pack, name, type, parameters, created_at from triggers where webhook_url = $1 order by ref', [url],
  );
  return rows.map(toTrigger);
}

/** Deletes a parameterised trigger no rule uses any more (parameterless ones stay with their type). */
export async function deleteTriggerIfUnused(tx: Tx, ref: string): Promise<void> {
  const deleted = await tx.run(
    `delete from triggers where ref = $1 and ref <> type and not exists (select 1 from rules where trigger_ref = $1)`,
    [ref],
  );
  if (deleted) await bumpRevision(tx);
}

export async function insertInstance(tx: Tx, i: TriggerInstance, now: number): Promise<void> {
  await tx.run(
    `insert into trigger_instances (id, trigger_ref, trigger_type, payload, occurrence_time, status, delivery_id, trace_tag, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [i.id, i.trigger, i.trigger_type, JSON.stringify(i.payload), i.occurrence_time, i.status, i.delivery_id, i.trace_tag, now],
  );
}

export async function getInstance(tx: Tx, id: string): Promise<TriggerInstance | undefined> {
  const r = await tx.get<InstanceRow>('select * from trigger_instances where id = $1', [id]);
  return r && toInstance(r);
}

export interface InstanceFilter {
  trigger?: string;
  triggerType?: string;
  /** occurrence_time >= since (epoch ms) */
  since?: number;
  until?: number;
  limit: number;
  offset?: number;
  /** Oldest first (replay) instead of newest first (listing). */
  ascending?: boolean;
}

export async function listInstances(tx: Tx, f: InstanceFilter): Promise<TriggerInstance[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.trigger !== undefined) add('trigger_ref = ?', f.trigger);
  if (f.triggerType !== undefined) add('trigger_type = ?', f.triggerType);
  if (f.since !== undefined) add('occurrence_time >= ?', f.since);
  if (f.until !== undefined) add('occurrence_time <= ?', f.until);
  const order = f.ascending ? 'occurrence_time, id' : 'occurrence_time desc, id desc';
  params.push(f.limit, f.offset ?? 0);
  const rows = await tx.all<InstanceRow>(
    `select * from trigger_instances ${where.length ? 'where ' + where.join(' and ') : ''}
     order by ${order} limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return rows.map(toInstance);
}

export async function setInstanceStatus(tx: Tx, id: string, status: TriggerInstanceStatus): Promise<void> {
  await tx.run('update trigger_instances set status = $1 where id = $2', [status, id]);
}

/**
 * Records `key` as delivered by `instanceId` until `expiresAt`. Returns the id of the
 * instance that already holds the key within its window, or null when this one now does.
 * On PostgreSQL a concurrent insert of the same key waits for the other transaction, so
 * two simultaneous deliveries still yield one instance.
 */
export async function claimDelivery(tx: Tx, key: string, instanceId: string, expiresAt: number, now: number): Promise<string | null> {
  const inserted = await tx.run(
    'insert into trigger_deliveries (key, instance_id, expires_at) values ($1, $2, $3) on conflict (key) do nothing',
    [key, instanceId, expiresAt],
  );
  if (inserted) return null;
  const taken = await tx.run(
    'update trigger_deliveries set instance_id = $1, expires_at = $2 where key = $3 and expires_at <= $4',
    [instanceId, expiresAt, key, now],
  );
  if (taken) return null;
  const row = await tx.get<{ instance_id: string }>('select instance_id from trigger_deliveries where key = $1', [key]);
  return row!.instance_id;
}

/** Forgets delivery ids whose window has passed. */
export async function pruneDeliveries(tx: Tx, now: number): Promise<number> {
  return tx.run('delete from trigger_deliveries where expires_at <= $1', [now]);
}

/** Deletes up to `batch` decided trigger instances that occurred before `before`; returns how many. */
export async function purgeInstances(tx: Tx, before: number, batch: number): Promise<number> {
  return tx.run(
    `delete from trigger_instances where id in (
       select id from trigger_instances where occurrence_time < $1 and status in ('processed', 'processing_failed') order by occurrence_time limit $2)`,
    [before, batch],
  );
}
