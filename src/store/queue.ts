// The work queue: rows in `jobs`, claimed with a lease. A claimed job whose lease runs
// out (its node died) is claimable again; completing deletes the row.
import type { Tx } from './types.js';
import { newId } from './ids.js';

export interface Job {
  id: string;
  queue: string;
  ref: string | null;
  payload: unknown;
  runAt: number;
  attempts: number;
}

interface JobRow {
  id: string;
  queue: string;
  ref: string | null;
  payload: string;
  run_at: number;
  attempts: number;
}

function toJob(r: JobRow): Job {
  return { id: r.id, queue: r.queue, ref: r.ref, payload: JSON.parse(r.payload), runAt: r.run_at, attempts: r.attempts };
}

/** The channel consumers of `queue` listen on. */
export function queueChannel(queue: string): string {
  return `squall_q_${queue}`;
}

export interface EnqueueSpec {
  queue: string;
  payload: unknown;
  /** What the job is about (an execution id, …), for finding or cancelling it. */
  ref?: string;
  runAt: number;
}

/** A free slot of this node's consumer of a queue, held until the job is handed over (or not). */
export interface Reservation {
  /** The node whose lease the job is written with. */
  owner: string;
  leaseUntil: number;
  /** The job once its transaction committed, or null when it rolled back (the slot is freed). */
  deliver(job: Job | null): void;
}

/** This node's consumers by queue name (filled as its roles start), for `enqueue` to hand due jobs to. */
export type LocalConsumers = Map<string, LocalConsumer>;

/** This node's consumer of a queue, when it runs one: a due job can go to it without a claim. */
export interface LocalConsumer {
  /** A free slot, or null when the consumer is full or stopping. */
  reserve(now: number): Reservation | null;
}

/**
 * Adds a job. A due job goes straight to `local` (this node's consumer) when it has a free
 * slot: written already leased to it and handed over once the transaction commits, which
 * saves a claim and a wake-up per job; if the node dies first, the lease runs out and any node
 * claims it. Otherwise the queue's consumers are woken once the transaction commits.
 */
export async function enqueue(tx: Tx, spec: EnqueueSpec, now: number, local?: LocalConsumer): Promise<string> {
  const id = newId(now);
  const slot = spec.runAt <= now ? local?.reserve(now) ?? null : null;
  const payload = JSON.stringify(spec.payload);
  await tx.run(
    `insert into jobs (id, queue, ref, payload, run_at, attempts, created_at, lease_owner, lease_until)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [id, spec.queue, spec.ref ?? null, payload, spec.runAt, slot ? 1 : 0, now, slot?.owner ?? null, slot?.leaseUntil ?? null],
  );
  if (slot) {
    const job: Job = { id, queue: spec.queue, ref: spec.ref ?? null, payload: JSON.parse(payload), runAt: spec.runAt, attempts: 1 };
    tx.onEnd((committed) => slot.deliver(committed ? job : null));
  } else {
    tx.notify(queueChannel(spec.queue), spec.runAt <= now ? '' : String(spec.runAt));
  }
  return id;
}

/** Claims up to `limit` due jobs of `queue` for `node`, leased until now + leaseMs. */
export async function claim(tx: Tx, queue: string, node: string, limit: number, leaseMs: number, now: number): Promise<Job[]> {
  const due = `select id from jobs where queue = $1 and run_at <= $2 and (lease_until is null or lease_until < $2)
    order by run_at limit $3`;
  const rows = await tx.all<JobRow>(
    `update jobs set lease_owner = $4, lease_until = $5, attempts = attempts + 1
     where id in (${tx.dialect === 'postgres' ? `${due} for update skip locked` : due})
     returning id, queue, ref, payload, run_at, attempts`,
    [queue, now, limit, node, now + leaseMs],
  );
  return rows.map(toJob).sort((a, b) => a.runAt - b.runAt);
}

/** Extends the lease of jobs this node still holds; returns how many it still held. */
export async function heartbeat(tx: Tx, ids: readonly string[], node: string, leaseMs: number, now: number): Promise<number> {
  let held = 0;
  for (const id of ids) {
    held += await tx.run('update jobs set lease_until = $1 where id = $2 and lease_owner = $3', [now + leaseMs, id, node]);
  }
  return held;
}

/** Removes a finished job. */
export async function complete(tx: Tx, id: string): Promise<void> {
  await tx.run('delete from jobs where id = $1', [id]);
}

/** Releases a job to run again at `runAt`, keeping the error for inspection. */
export async function retryLater(tx: Tx, job: Job, runAt: number, error: string): Promise<void> {
  await tx.run('update jobs set run_at = $1, lease_owner = null, lease_until = null, last_error = $2 where id = $3', [runAt, error, job.id]);
  tx.notify(queueChannel(job.queue), String(runAt));
}

/** Deletes the jobs about `ref` in `queue`; a node still running one finds nothing left to complete. */
export async function deleteByRef(tx: Tx, queue: string, ref: string): Promise<number> {
  return tx.run('delete from jobs where queue = $1 and ref = $2', [queue, ref]);
}

/** When the next job of `queue` becomes claimable (due, or its lease expires), or null. */
export async function nextWake(tx: Tx, queue: string): Promise<number | null> {
  const row = await tx.get<{ t: number | null }>(
    `select min(case when lease_until is null then run_at when lease_until > run_at then lease_until else run_at end) as t
     from jobs where queue = $1`,
    [queue],
  );
  return row?.t ?? null;
}

/** Jobs of one queue by state: claimable now, waiting for their run_at, held under a live lease. */
export interface QueueDepth {
  ready: number;
  delayed: number;
  leased: number;
}

/**
 * The depth of each of `queues` (empty ones too) and of any other queue that holds jobs, for
 * `squall status`. A job whose lease ran out counts as ready: any node may claim it again.
 */
export async function depths(tx: Tx, queues: readonly string[], now: number): Promise<Record<string, QueueDepth>> {
  const rows = await tx.all<{ queue: string; ready: number; delayed: number; leased: number }>(
    `select queue,
       sum(case when lease_until >= $1 then 1 else 0 end) as leased,
       sum(case when (lease_until is null or lease_until < $1) and run_at > $1 then 1 else 0 end) as delayed,
       sum(case when (lease_until is null or lease_until < $1) and run_at <= $1 then 1 else 0 end) as ready
     from jobs group by queue`,
    [now],
  );
  const out: Record<string, QueueDepth> = Object.fromEntries(queues.map((q) => [q, { ready: 0, delayed: 0, leased: 0 }]));
  for (const r of rows) out[r.queue] = { ready: Number(r.ready), delayed: Number(r.delayed), leased: Number(r.leased) };
  return out;
}
