// Requesting, reading, cancelling and re-running executions.
import { SquallError } from '../errors.js';
import { newId } from '../store/ids.js';
import { enqueue, deleteByRef } from '../store/queue.js';
import * as rows from '../store/executions.js';
import type { Tx } from '../store/types.js';
import { resolveParameters } from './parameters.js';
import type { ControlRequest, ExecutionDeps } from './deps.js';
import type { Execution, ExecutionContext, RerunTasks } from './model.js';
import { isTerminal } from './status.js';
import { transition } from './lifecycle.js';
import { CANCEL_CHANNEL, emitExecution } from './events.js';

export const EXECUTION_QUEUE = 'executions';

export interface ExecutionRequest {
  action: string;
  parameters?: Record<string, unknown>;
  context?: ExecutionContext;
  parentId?: string | null;
  /** Start no earlier than this (epoch ms): retry and workflow delays. */
  runAt?: number;
}

/** Validates the parameters, stores the execution as `requested` and queues it, in one transaction. */
export async function requestExecution(deps: ExecutionDeps, req: ExecutionRequest): Promise<Execution> {
  return deps.store.tx((tx) => requestIn(tx, deps, req));
}

/** requestExecution inside the caller's transaction (rules, workflows, retries). */
export async function requestIn(tx: Tx, deps: ExecutionDeps, req: ExecutionRequest): Promise<Execution> {
  const action = await deps.findAction(tx, req.action);
  if (!action.enabled) throw new SquallError('CONFLICT', `action ${action.ref} is disabled`);
  const runner = deps.runners.get(action.runner_type);
  if (!runner) throw new SquallError('RUNNER_NOT_FOUND', `action ${action.ref} uses runner ${action.runner_type}, which this node does not have`);
  const parameters = resolveParameters(action, runner, req.parameters ?? {});
  const now = deps.now();
  const execution: Execution = {
    id: newId(now),
    action: action.ref,
    runner_type: action.runner_type,
    status: 'requested',
    parameters,
    result: null,
    context: req.context ?? {},
    parent_id: req.parentId ?? null,
    created_at: now,
    start_timestamp: null,
    end_timestamp: null,
    updated_at: now,
    attempt: 0,
  };
  await rows.insertExecution(tx, execution);
  await enqueue(tx, { queue: EXECUTION_QUEUE, ref: execution.id, payload: { id: execution.id }, runAt: req.runAt ?? now }, now, deps.localConsumers?.get(EXECUTION_QUEUE));
  emitExecution(tx, execution, true);
  return execution;
}

export async function getExecution(deps: Pick<ExecutionDeps, 'store'>, id: string): Promise<Execution> {
  const e = await deps.store.read((tx) => rows.getExecution(tx, id));
  if (!e) throw new SquallError('EXECUTION_NOT_FOUND', `no execution with id ${id}`);
  return e;
}

export function listExecutions(deps: Pick<ExecutionDeps, 'store'>, filter: rows.ExecutionFilter): Promise<Execution[]> {
  return deps.store.read((tx) => rows.listExecutions(tx, filter));
}

/**
 * Cancels an execution: one not yet running ends `canceled` at once; a running one goes
 * `canceling` and the node running it kills it (st2's semantics); a workflow cancels its tasks.
 */
export function cancelExecution(deps: ExecutionDeps, id: string): Promise<Execution> {
  return controlExecution(deps, id, 'cancel');
}

/** Pauses (`pause`) or resumes (`resume`) a workflow execution, propagating to its running children. */
export function controlExecution(deps: ExecutionDeps, id: string, request: ControlRequest): Promise<Execution> {
  return deps.store.tx(async (tx) => {
    const e = await rows.getExecution(tx, id);
    if (!e) throw new SquallError('EXECUTION_NOT_FOUND', `no execution with id ${id}`);
    return controlIn(tx, deps, e, request);
  });
}

export const NOT_STARTED: ReadonlySet<string> = new Set(['requested', 'delayed', 'scheduled']);

/** controlExecution inside the caller's transaction (a workflow cancelling its children). */
export async function controlIn(tx: Tx, deps: ExecutionDeps, e: Execution, request: ControlRequest): Promise<Execution> {
  if (isTerminal(e.status)) throw new SquallError('ILLEGAL_TRANSITION', `execution ${e.id} already ended ${e.status}`);
  const control = deps.controls.get(e.runner_type);
  if (control && !NOT_STARTED.has(e.status)) return control.control(tx, e, request);
  if (request !== 'cancel') {
    throw new SquallError('ILLEGAL_TRANSITION', `execution ${e.id} runs a ${e.runner_type} action: only running workflows can be paused and resumed`);
  }
  if (NOT_STARTED.has(e.status)) {
    await deleteByRef(tx, EXECUTION_QUEUE, e.id);
    return transition(tx, deps, e, 'canceled');
  }
  if (e.status === 'canceling') return e;
  const canceling = await transition(tx, deps, e, 'canceling');
  tx.notify(CANCEL_CHANNEL, e.id);
  return canceling;
}

/**
 * Runs the same action again with the same parameters, some overridden (st2 `re-run`). With
 * `fromTasks` (checked by the caller) a workflow goes on from those tasks of the original.
 */
export async function rerunExecution(
  deps: ExecutionDeps, id: string, overrides: Record<string, unknown>, context: ExecutionContext = {}, fromTasks?: RerunTasks,
): Promise<Execution> {
  const original = await getExecution(deps, id);
  const { rerun_tasks: _previous, ...kept } = original.context;
  return requestExecution(deps, {
    action: original.action,
    parameters: { ...original.parameters, ...overrides },
    context: { ...kept, ...context, rerun_of: id, ...(fromTasks ? { rerun_tasks: fromTasks } : {}) },
  });
}
