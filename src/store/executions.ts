// SQL for executions and their output lines.
import type { Tx } from './types.js';
import type { ListScope } from '../auth/permissions.js';
import type { Execution } from '../executions/model.js';
import type { ExecutionStatus } from '../executions/status.js';

interface ExecutionRow {
  id: string;
  action: string;
  runner_type: string;
  status: ExecutionStatus;
  parameters: string;
  result?: string | null;
  context: string;
  parent_id: string | null;
  created_at: number;
  start_timestamp: number | null;
  end_timestamp: number | null;
  updated_at: number;
  attempt: number;
}

const LIST_COLUMNS = 'id, action, runner_type, status, parameters, context, parent_id, created_at, start_timestamp, end_timestamp, updated_at, attempt';

function toExecution(r: ExecutionRow): Execution {
  return {
    id: r.id,
    action: r.action,
    runner_type: r.runner_type,
    status: r.status,
    parameters: JSON.parse(r.parameters),
    result: r.result === undefined || r.result === null ? null : JSON.parse(r.result),
    context: JSON.parse(r.context),
    parent_id: r.parent_id,
    created_at: Number(r.created_at),
    start_timestamp: r.start_timestamp === null ? null : Number(r.start_timestamp),
    end_timestamp: r.end_timestamp === null ? null : Number(r.end_timestamp),
    updated_at: Number(r.updated_at),
    attempt: r.attempt,
  };
}

export async function insertExecution(tx: Tx, e: Execution): Promise<void> {
  await tx.run(
    `insert into executions (id, action, runner_type, status, parameters, result, context, parent_id, created_at,
       start_timestamp, end_timestamp, updated_at, attempt)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [e.id, e.action, e.runner_type, e.status, JSON.stringify(e.parameters), e.result === null ? null : JSON.stringify(e.result),
      JSON.stringify(e.context), e.parent_id, e.created_at, e.start_timestamp, e.end_timestamp, e.updated_at, e.attempt],
  );
}

export async function getExecution(tx: Tx, id: string): Promise<Execution | undefined> {
  const row = await tx.get<ExecutionRow>('select * from executions where id = $1', [id]);
  return row && toExecution(row);
}

export interface ExecutionFilter {
  action?: string;
  status?: ExecutionStatus;
  parentId?: string;
  /** Only executions created strictly before this (created_at, id) cursor. */
  before?: { createdAt: number; id: string };
  /** Only executions of the packs and actions (or ids) the grants name, or started by the owner. */
  visibleTo?: ListScope;
  limit: number;
  offset?: number;
}

/** Newest first, without results (they can be large); filters use the (action|status, created_at) indexes. */
export async function listExecutions(tx: Tx, f: ExecutionFilter): Promise<Execution[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql.replace(/\?/g, () => `$${params.push(values.shift())}`));
  };
  if (f.action) add('action = ?', f.action);
  if (f.status) add('status = ?', f.status);
  if (f.parentId) add('parent_id = ?', f.parentId);
  if (f.before) add('(created_at < ? or (created_at = ? and id < ?))', f.before.createdAt, f.before.createdAt, f.before.id);
  if (f.visibleTo) {
    const any = visibleConditions(tx, f.visibleTo);
    add(any.length ? `(${any.map((c) => c.sql).join(' or ')})` : '1 = 0', ...any.flatMap((c) => c.values));
  }
  const sql = `select ${LIST_COLUMNS} from executions ${where.length ? 'where ' + where.join(' and ') : ''}
    order by created_at desc, id desc limit $${params.push(f.limit)} offset $${params.push(f.offset ?? 0)}`;
  return (await tx.all<ExecutionRow>(sql, params)).map(toExecution);
}

// `ref` exactly, or a prefix of it when it ends with * (grants' resource_uid patterns).
function refCondition(column: string, ref: string): { sql: string; values: unknown[] } {
  if (!ref.endsWith('*')) return { sql: `${column} = ?`, values: [ref] };
  const prefix = ref.slice(0, -1);
  return { sql: `substr(${column}, 1, ?) = ?`, values: [prefix.length, prefix] };
}

/** One condition per grant (pack, action or execution uid) and one for the owner, to be OR-ed. */
function visibleConditions(tx: Tx, v: ListScope): Array<{ sql: string; values: unknown[] }> {
  const out: Array<{ sql: string; values: unknown[] }> = [];
  for (const g of v.grants) {
    if (g.type === 'pack') out.push(refCondition('action', `${g.ref}.*`));
    else if (g.type === 'action') out.push(refCondition('action', g.ref));
    else if (g.type === 'execution') out.push(refCondition('id', g.ref));
  }
  // Who started it is context.user; no index, but the (created_at, id) walk stops at `limit`.
  const user = tx.dialect === 'postgres' ? "(context::json ->> 'user')" : "json_extract(context, '$.user')";
  if (v.owner !== null) out.push({ sql: `${user} = ?`, values: [v.owner] });
  return out;
}

export interface StatusChange {
  status: ExecutionStatus;
  result?: unknown;
  start_timestamp?: number;
  end_timestamp?: number;
  attempt?: number;
}

/** Moves an execution from `from` to the new status; false when its status was no longer `from`. */
export async function changeStatus(tx: Tx, id: string, from: ExecutionStatus, change: StatusChange, now: number): Promise<boolean> {
  const sets = ['status = $1', 'updated_at = $2'];
  const params: unknown[] = [change.status, now];
  if (change.result !== undefined) sets.push(`result = $${params.push(JSON.stringify(change.result))}`);
  if (change.start_timestamp !== undefined) sets.push(`start_timestamp = $${params.push(change.start_timestamp)}`);
  if (change.end_timestamp !== undefined) sets.push(`end_timestamp = $${params.push(change.end_timestamp)}`);
  if (change.attempt !== undefined) sets.push(`attempt = $${params.push(change.attempt)}`);
  const n = await tx.run(
    `update executions set ${sets.join(', ')} where id = $${params.push(id)} and status = $${params.push(from)}`,
    params,
  );
  return n === 1;
}

/**
 * Serializes concurrency-policy decisions on `action` until the transaction ends. Without it two
 * PostgreSQL nodes (or two consumers of one) each count the other's start as not yet committed
 * and both run past a threshold of 1. The embedded store has one writer, so nothing to do there.
 */
export async function lockActionSlots(tx: Tx, action: string): Promise<void> {
  if (tx.dialect === 'postgres') await tx.get("select pg_advisory_xact_lock(hashtextextended('action-slots:' || $1, 0))", [action]);
}

/** Counts executions of `action` in the given statuses (for concurrency policies). */
export async function countActive(tx: Tx, action: string, statuses: readonly ExecutionStatus[], excludeId: string): Promise<number> {
  const row = await tx.get<{ n: number }>(...activeQuery('count(*) as n', action, statuses, excludeId));
  return Number(row?.n ?? 0);
}

function activeQuery(columns: string, action: string, statuses: readonly ExecutionStatus[], excludeId: string): [string, unknown[]] {
  const marks = statuses.map((_, i) => `$${i + 3}`).join(', ');
  return [`select ${columns} from executions where action = $1 and id <> $2 and status in (${marks})`, [action, excludeId, ...statuses]];
}

export interface OutputLine {
  seq: number;
  stream: string;
  data: string;
  ts: number;
}

export async function appendOutput(tx: Tx, executionId: string, lines: readonly OutputLine[]): Promise<void> {
  for (const l of lines) {
    await tx.run('insert into execution_output (execution_id, seq, stream, data, ts) values ($1, $2, $3, $4, $5)',
      [executionId, l.seq, l.stream, l.data, l.ts]);
  }
}

export async function getOutput(tx: Tx, executionId: string, afterSeq: number, limit: number): Promise<OutputLine[]> {
  return tx.all<OutputLine>(
    'select seq, stream, data, ts from execution_output where execution_id = $1 and seq > $2 order by seq limit $3',
    [executionId, afterSeq, limit],
  );
}

/** Deletes up to `batch` terminal executions (and their output) created before `before`; returns how many. */
export async function purgeExecutions(tx: Tx, before: number, batch: number): Promise<number> {
  const rows = await tx.all<{ id: string }>(
    `select id from executions where created_at < $1 and status in ('succeeded','failed','timeout','abandoned','canceled')
     order by created_at limit $2`,
    [before, batch],
  );
  for (const { id } of rows) {
    await tx.run('delete from execution_output where execution_id = $1', [id]);
    await tx.run('delete from inquiries where id = $1', [id]);
    await tx.run('delete from executions where id = $1', [id]);
  }
  return rows.length;
}

/** Parameters of the executions of `action` in the given statuses (for per-attribute concurrency). */
export async function activeParameters(tx: Tx, action: string, statuses: readonly ExecutionStatus[], excludeId: string): Promise<Array<Record<string, unknown>>> {
  const found = await tx.all<{ parameters: string }>(...activeQuery('parameters', action, statuses, excludeId));
  return found.map((r) => JSON.parse(r.parameters));
}
