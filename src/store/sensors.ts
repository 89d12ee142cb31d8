// SQL for sensors (definition, run state, the one-node lease) and timers (next fire time).
import type { Tx } from './types.js';

export type SensorKind = 'code' | 'mqtt' | 'amqp' | 'nats' | 'redis-stream';
export type SensorState = 'stopped' | 'starting' | 'running' | 'backoff' | 'disabled';

/** A sensor as stored: its checked definition plus where and how it runs now. */
export interface SensorRecord {
  ref: string;
  pack: string;
  name: string;
  kind: SensorKind;
  definition: Record<string, unknown>;
  source_file: string;
  enabled: boolean;
  state: SensorState;
  restarts: number;
  last_error: string | null;
  last_exit_at: number | null;
  pid: number | null;
  /** The node running it (holding the lease), or null. */
  lease_owner: string | null;
  lease_until: number | null;
  updated_at: number;
}

interface SensorRow extends Omit<SensorRecord, 'definition' | 'enabled'> {
  definition: string;
  enabled: number;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

const toRecord = (r: SensorRow): SensorRecord => ({
  ...r,
  definition: JSON.parse(r.definition),
  enabled: Number(r.enabled) === 1,
  restarts: Number(r.restarts),
  last_exit_at: num(r.last_exit_at),
  lease_until: num(r.lease_until),
  updated_at: Number(r.updated_at),
});

/** Stores a sensor from a pack file; a re-registration keeps its run state and lease. */
export async function upsertSensor(tx: Tx, s: Pick<SensorRecord, 'ref' | 'pack' | 'name' | 'kind' | 'definition' | 'source_file' | 'enabled'>, now: number): Promise<void> {
  await tx.run(
    `insert into sensors (ref, pack, name, kind, definition, source_file, enabled, state, restarts, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, 'stopped', 0, $8)
     on conflict (ref) do update set kind = excluded.kind, definition = excluded.definition,
       source_file = excluded.source_file, enabled = excluded.enabled, updated_at = excluded.updated_at`,
    [s.ref, s.pack, s.name, s.kind, JSON.stringify(s.definition), s.source_file, s.enabled ? 1 : 0, now],
  );
}

export async function getSensor(tx: Tx, ref: string): Promise<SensorRecord | undefined> {
  const r = await tx.get<SensorRow>('select * from sensors where ref = $1', [ref]);
  return r && toRecord(r);
}

export async function listSensors(tx: Tx, pack?: string): Promise<SensorRecord[]> {
  const rows = pack === undefined
    ? await tx.all<SensorRow>('select * from sensors order by ref')
    : await tx.all<SensorRow>('select * from sensors where pack = $1 order by ref', [pack]);
  return rows.map(toRecord);
}

/** Deletes the sensors of `pack` whose refs are not in `keep`. */
export async function deletePackSensors(tx: Tx, pack: string, keep: readonly string[]): Promise<number> {
  let n = 0;
  for (const s of await listSensors(tx, pack)) if (!keep.includes(s.ref)) n += await tx.run('delete from sensors where ref = $1', [s.ref]);
  return n;
}

export async function setSensorEnabled(tx: Tx, ref: string, enabled: boolean, now: number): Promise<boolean> {
  return (await tx.run('update sensors set enabled = $1, updated_at = $2 where ref = $3', [enabled ? 1 : 0, now, ref])) > 0;
}

/**
 * Takes (or renews) the lease on sensor `ref` for `node` when it is free, expired or
 * already ours; returns whether `node` holds it now.
 */
export async function acquireSensorLease(tx: Tx, ref: string, node: string, leaseMs: number, now: number): Promise<boolean> {
  const n = await tx.run(
    `update sensors set lease_owner = $1, lease_until = $2
     where ref = $3 and enabled = 1 and (lease_owner is null or lease_owner = $1 or lease_until < $4)`,
    [node, now + leaseMs, ref, now],
  );
  return n > 0;
}

/** Gives the lease up (sensor stopped on this node); the next node may take it at once. */
export async function releaseSensorLease(tx: Tx, ref: string, node: string): Promise<void> {
  await tx.run('update sensors set lease_owner = null, lease_until = null, pid = null where ref = $1 and lease_owner = $2', [ref, node]);
}

export interface SensorStatus {
  state: SensorState;
  pid?: number | null;
  /** Adds one to the restart count. */
  restarted?: boolean;
  /** Replaces last_error (null clears it); absent keeps it. */
  lastError?: string | null;
  exitedAt?: number;
}

/** Records what the holding node sees of its sensor; ignored when `node` no longer holds it. */
export async function recordSensorStatus(tx: Tx, ref: string, node: string, s: SensorStatus, now: number): Promise<void> {
  const sets = ['state = $1', 'updated_at = $2'];
  const params: unknown[] = [s.state, now];
  const add = (col: string, v: unknown) => {
    params.push(v);
    sets.push(`${col} = $${params.length}`);
  };
  if (s.pid !== undefined) add('pid', s.pid);
  if (s.lastError !== undefined) add('last_error', s.lastError);
  if (s.exitedAt !== undefined) add('last_exit_at', s.exitedAt);
  if (s.restarted) sets.push('restarts = restarts + 1');
  params.push(ref, node);
  await tx.run(`update sensors set ${sets.join(', ')} where ref = $${params.length - 1} and lease_owner = $${params.length}`, params);
}

// ---- timers ----

export interface TimerRecord {
  trigger_ref: string;
  trigger_type: string;
  parameters: Record<string, unknown>;
  next_fire_at: number | null;
  last_fired_at: number | null;
}

interface TimerRow {
  trigger_ref: string;
  trigger_type: string;
  parameters: string;
  next_fire_at: number | string | null;
  last_fired_at: number | string | null;
}

const toTimer = (r: TimerRow): TimerRecord => ({
  trigger_ref: r.trigger_ref,
  trigger_type: r.trigger_type,
  parameters: JSON.parse(r.parameters),
  next_fire_at: num(r.next_fire_at),
  last_fired_at: num(r.last_fired_at),
});

/** The timer triggers (of `types`) that at least one enabled rule uses. */
export async function timerTriggersInUse(tx: Tx, types: readonly string[]): Promise<Array<{ ref: string; type: string; parameters: Record<string, unknown> }>> {
  const marks = types.map((_, i) => `$${i + 1}`).join(', ');
  const rows = await tx.all<{ ref: string; type: string; parameters: string }>(
    `select t.ref, t.type, t.parameters from triggers t
     where t.type in (${marks}) and exists (select 1 from rules r where r.trigger_ref = t.ref and r.enabled = 1)
     order by t.ref`,
    types,
  );
  return rows.map((r) => ({ ref: r.ref, type: r.type, parameters: JSON.parse(r.parameters) }));
}

export async function listTimers(tx: Tx): Promise<TimerRecord[]> {
  return (await tx.all<TimerRow>('select * from timers order by trigger_ref')).map(toTimer);
}

export async function insertTimer(tx: Tx, t: TimerRecord, now: number): Promise<void> {
  await tx.run(
    `insert into timers (trigger_ref, trigger_type, parameters, next_fire_at, last_fired_at, updated_at)
     values ($1, $2, $3, $4, $5, $6) on conflict (trigger_ref) do nothing`,
    [t.trigger_ref, t.trigger_type, JSON.stringify(t.parameters), t.next_fire_at, t.last_fired_at, now],
  );
}

export async function deleteTimer(tx: Tx, ref: string): Promise<void> {
  await tx.run('delete from timers where trigger_ref = $1', [ref]);
}

/** Locks and returns the timers due at `now` (skipping rows another node holds on PostgreSQL). */
export async function lockDueTimers(tx: Tx, now: number, limit: number): Promise<TimerRecord[]> {
  const sql = `select * from timers where next_fire_at is not null and next_fire_at <= $1 order by next_fire_at limit $2`;
  const rows = await tx.all<TimerRow>(tx.dialect === 'postgres' ? `${sql} for update skip locked` : sql, [now, limit]);
  return rows.map(toTimer);
}

export async function saveTimerFire(tx: Tx, ref: string, nextFireAt: number | null, lastFiredAt: number | null, now: number): Promise<void> {
  await tx.run(
    'update timers set next_fire_at = $1, last_fired_at = coalesce($2, last_fired_at), updated_at = $3 where trigger_ref = $4',
    [nextFireAt, lastFiredAt, now, ref],
  );
}

/** The earliest next_fire_at, or null when no timer is pending. */
export async function nextTimerDue(tx: Tx): Promise<number | null> {
  const r = await tx.get<{ t: number | string | null }>('select min(next_fire_at) as t from timers');
  return r ? num(r.t) : null;
}
