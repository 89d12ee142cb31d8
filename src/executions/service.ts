// Requesting, reading, cancelling and re-running executions.
import { SquallError } from '../errors.js';
import { newId } from '../store/ids.js';
import { enqueue, deleteByRef } from '../store/queue.js';
import * as rows from '../store/executions.js';
import type { Tx } from '../store/types.js';
import { referencedKeys, textsIn } from '../datastore/template.js';
import { hasJinja } from '../expr/index.js';
import type { Action } from '../packs/model.js';
import type { Runner } from '../runners/types.js';
import { resolveParameters, type GivenParameters, type TemplateEnv } from './parameters.js';
import type { ControlRequest, ExecutionDeps } from './deps.js';
import type { Execution, ExecutionContext, RerunTasks } from './model.js';
import { isTerminal } from './status.js';
import { transition } from './lifecycle.js';
import { CANCEL_CHANNEL, emitExecution } from './events.js';

export const EXECUTION_QUEUE = 'executions';

export interface ExecutionRequest {
  action: string;
  /** Given for a direct run (API, CLI): Jinja in the values is rendered, as st2's live parameters. */
  parameters?: Record<string, unknown>;
  /**
   * Rendered already, by a rule or a workflow, or resolved for an earlier execution (a retry,
   * a re-run): taken as they are, so data is never rendered twice. Defaults still render.
   */
  rendered?: Record<string, unknown>;
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
  const execution = await prepareRequest(tx, deps, req);
  await storeRequest(tx, deps, execution, req.runAt);
  return execution;
}

/**
 * The execution `req` asks for, validated but not stored: every SquallError of a request
 * (unknown or disabled action, bad parameters) comes from here, before anything is written,
 * so a caller that records such failures (the rules engine) needs no savepoint to undo them.
 */
export async function prepareRequest(tx: Tx, deps: ExecutionDeps, req: ExecutionRequest): Promise<Execution> {
  const action = await deps.findAction(tx, req.action);
  if (!action.enabled) throw new SquallError('CONFLICT', `action ${action.ref} is disabled`);
  const runner = deps.runners.get(action.runner_type);
  if (!runner) throw new SquallError('RUNNER_NOT_FOUND', `action ${action.ref} uses runner ${action.runner_type}, which this node does not have`);
  const parameters = await parametersOf(tx, deps, action, runner, req);
  const now = deps.now();
  return {
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
}

/** Stores a prepared execution as `requested` and queues it (to start at `runAt`, default now). */
export async function storeRequest(tx: Tx, deps: ExecutionDeps, execution: Execution, runAt?: number): Promise<void> {
  const now = execution.created_at;
  await rows.insertExecution(tx, execution);
  await enqueue(tx, { queue: EXECUTION_QUEUE, ref: execution.id, payload: { id: execution.id }, runAt: runAt ?? now }, now, deps.localConsumers?.get(EXECUTION_QUEUE));
  emitExecution(tx, execution, true);
}

/** Every string with Jinja that resolving may render: in the live values and in the defaults. */
function templateTexts(action: Action, runner: Runner, live: Record<string, unknown>): string[] {
  const defaults = [runner.parameters, action.parameters].flatMap((schema) => Object.values(schema).map((spec) => spec.default));
  return textsIn([live, defaults]).filter(hasJinja);
}

/**
 * The parameters of the execution `req` asks for, resolved (parameters.ts). The pack config
 * and the datastore are read only when a template names them; st2kv reads as the user who
 * starts the execution (context.user).
 */
async function parametersOf(tx: Tx, deps: ExecutionDeps, action: Action, runner: Runner, req: ExecutionRequest): Promise<Record<string, unknown>> {
  const live = req.parameters ?? {};
  const given: GivenParameters = { live, rendered: req.rendered ?? {} };
  const texts = templateTexts(action, runner, live);
  const context = req.context ?? {};
  const env: TemplateEnv = { context };
  if (deps.packConfig && texts.some((t) => t.includes('config_context'))) env.config = await deps.packConfig(tx, action.pack);
  if (!deps.kv || !texts.some((t) => t.includes('st2kv'))) return resolveParameters(action, runner, given, env);
  // A pass that read a key not loaded yet is evaluated again (kvReader): its problems are kept, not thrown, until the last.
  const user = typeof context.user === 'string' ? context.user : null;
  const outcome = await deps.kv(tx, user, referencedKeys(...texts), (kv) => {
    try {
      return { parameters: resolveParameters(action, runner, given, { ...env, kv }) };
    } catch (error) {
      return { error };
    }
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.parameters;
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
    parameters: overrides,
    rendered: original.parameters,
    context: { ...kept, ...context, rerun_of: id, ...(fromTasks ? { rerun_tasks: fromTasks } : {}) },
  });
}
