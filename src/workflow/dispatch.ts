// Starting task executions: rendering the action and its input in the task's context,
// with-items fan-out under the concurrency limit, and holding tasks while the workflow pauses.
import { SquallError } from '../errors.js';
import type { EvalEnv } from '../expr/functions.js';
import { renderValue } from '../expr/index.js';
import { findTask, type TaskNode } from './graph.js';
import type { Graph } from './graph.js';
import type { HeldRun, ItemsState, Terminal, TaskRun, WorkflowCommand, WorkflowError, WorkflowState } from './state.js';
import { workflowEnv, type Scope } from './task-functions.js';

/** One call of start/advance: what it works on and what it has decided so far. */
export interface Step {
  graph: Graph;
  state: WorkflowState;
  env: EvalEnv;
  now: string;
  commands: WorkflowCommand[];
  /** Completions found while dispatching (action-less tasks, empty item lists), run after the current one. */
  queue: Array<() => void>;
  /** The run whose completion was processed last: terminal if the workflow ends with it (Orquesta). */
  last: Terminal | null;
  /** Completes a run with its result (the conductor's; dispatch only queues calls to it). */
  finish: (run: TaskRun, status: 'succeeded', result: unknown) => void;
}

/** Key of a task on a route in `barriers`. */
export function runKey(task: string, route: number): string {
  return `${task}|${route}`;
}

/** Renders `value` (expressions anywhere inside) in the context of `scope`. */
export function render(step: Step, value: unknown, data: Record<string, unknown>, scope: Scope): unknown {
  try {
    return renderValue(value, data, workflowEnv(step.env, step.state, scope));
  } catch (err) {
    // Name the expression as Orquesta does ("Unable to evaluate expression '<% … %>'. …").
    if (typeof value === 'string' && err instanceof SquallError && !err.message.includes(value)) {
      throw new SquallError(err.code, `Unable to evaluate expression '${value}'. ${err.message}`, err.where, { cause: err });
    }
    throw err;
  }
}

/** The context a run sees: workflow input and vars, overlaid by what was published on its way. */
export function contextOf(state: WorkflowState, delta: Record<string, unknown> | undefined): Record<string, unknown> {
  return { ...state.root, ...delta };
}

/** Adds an entry to the workflow's errors unless the same one is there (Orquesta's log_entry). */
export function pushError(state: WorkflowState, entry: WorkflowError): void {
  const text = JSON.stringify(entry);
  if (!state.errors.some((e) => JSON.stringify(e) === text)) state.errors.push(entry);
}

/** Records an error the way Orquesta shapes it. */
export function logError(state: WorkflowState, err: unknown, where: Omit<WorkflowError, 'type' | 'message'> = {}): void {
  const message = err instanceof Error ? err.message : String(err);
  pushError(state, { type: 'error', message, ...where });
}

/** A task failed or an expression could not be evaluated: the workflow fails (canceling stays canceling). */
export function failWorkflow(state: WorkflowState): void {
  if (state.status === 'running' || state.status === 'pausing' || state.status === 'paused') state.status = 'failed';
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new SquallError('EXPR_EVAL', `the value of ${what} is not a non-negative integer (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Renders an integer-valued field (delay, timeout, count, concurrency); null stays null. */
export function renderInteger(step: Step, spec: unknown, data: Record<string, unknown>, scope: Scope, what: string): number | null {
  if (spec === null) return null;
  return integer(typeof spec === 'string' ? render(step, spec, data, scope) : spec, what);
}

/**
 * Creates the next execution of `task`: dispatched now when the workflow runs (or `force`,
 * Orquesta's run-on-fail tasks beside a `fail` command), held while it pauses, dropped once it ends.
 */
export function createRun(step: Step, task: TaskNode, held: Omit<HeldRun, 'task'>, force = false, items: ItemsState | null = null): void {
  const { state } = step;
  if (state.status === 'pausing' || state.status === 'paused') {
    if (!force) {
      state.held.push({ task: task.name, ...held });
      return;
    }
  } else if (state.status !== 'running' && !force) {
    return;
  }
  const run: TaskRun = {
    id: state.runs.length, task: task.name, route: held.route, status: 'running', delta: held.delta, attempt: held.attempt,
    result: null, items, seq: state.seq++, startedAt: step.now, endedAt: null,
  };
  if (held.delaySeconds !== undefined) run.delaySeconds = held.delaySeconds;
  state.runs.push(run);
  state.latest[task.name] = run.id;
  startRun(step, task, run);
}

function startRun(step: Step, task: TaskNode, run: TaskRun): void {
  try {
    if (task.with && run.items) {
      // A re-run keeps the items that succeeded and dispatches the others.
      fillItems(step, run);
    } else if (task.with) {
      startItems(step, task, run);
    } else if (task.action === null) {
      // st2: an action-less task succeeds at once, with no result.
      step.queue.push(() => step.finish(run, 'succeeded', null));
    } else {
      step.commands.push(renderAction(step, task, run, { run }, null));
    }
  } catch (err) {
    renderingFailed(step, run, err);
  }
}

/** A task whose action, input or items cannot be rendered fails, and with it the workflow. */
function renderingFailed(step: Step, run: TaskRun, err: unknown): void {
  logError(step.state, err, { task_id: run.task, route: run.route });
  // Items already dispatched would otherwise run on unseen.
  if (run.items && run.items.active > 0) step.commands.push({ kind: 'cancel-task', run: run.id });
  run.status = 'failed';
  run.endedAt = step.now;
  failWorkflow(step.state);
}

function renderAction(step: Step, task: TaskNode, run: TaskRun, scope: Scope, item: number | null): WorkflowCommand {
  const data = contextOf(step.state, run.delta);
  const action = render(step, task.action, data, scope);
  if (typeof action !== 'string' || action === '') {
    throw new SquallError('EXPR_EVAL', `the action of task ${task.name} is not an action reference (got ${JSON.stringify(action)})`);
  }
  const input = task.input === null ? {} : render(step, task.input, data, scope);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SquallError('EXPR_EVAL', `the input of task ${task.name} is not a mapping (got ${JSON.stringify(input)})`);
  }
  return {
    kind: 'schedule-task', run: run.id, task: task.name, item, action, input: input as Record<string, unknown>,
    attempt: run.attempt,
    delaySeconds: run.delaySeconds ?? renderInteger(step, task.delay, data, scope, `task ${task.name} delay`) ?? 0,
    timeoutSeconds: renderInteger(step, task.timeout, data, scope, `task ${task.name} timeout`),
  };
}

/** Orquesta: with `x, y in …` a tuple item becomes {x, y}; with one name any item becomes {x: item}. */
function itemValue(vars: string[], raw: unknown): unknown {
  if (vars.length === 0) return raw;
  if (Array.isArray(raw)) return Object.fromEntries(vars.map((v, i) => [v, i < raw.length ? raw[i] : null]));
  return vars.length === 1 ? { [vars[0]]: raw } : raw;
}

function startItems(step: Step, task: TaskNode, run: TaskRun): void {
  const spec = task.with!;
  const data = contextOf(step.state, run.delta);
  const list = render(step, spec.items, data, { run });
  if (!Array.isArray(list)) {
    throw new SquallError('EXPR_EVAL', `the items of task ${task.name} are not a list (got ${JSON.stringify(list)})`);
  }
  const concurrency = renderInteger(step, spec.concurrency, data, { run }, `task ${task.name} concurrency`);
  run.items = {
    values: list.map((raw) => itemValue(spec.vars, raw)),
    marks: '.'.repeat(list.length),
    results: list.map(() => null),
    // Orquesta: a concurrency below 1 still lets one item run.
    concurrency: concurrency === null ? null : Math.max(1, concurrency),
    next: 0, active: 0, failed: 0,
  };
  if (list.length === 0) step.queue.push(() => step.finish(run, 'succeeded', []));
  else fillItems(step, run);
}

/** Replaces the mark of item `i` ('.', 'r', 'p', 's', 'f', 'c'). */
export function setMark(run: TaskRun, i: number, mark: string): void {
  const items = run.items!;
  items.marks = items.marks.slice(0, i) + mark + items.marks.slice(i + 1);
}

/** Moves `next` past items already run (a re-run keeps the ones that succeeded). */
function skipSettled(items: ItemsState): void {
  while (items.next < items.values.length && items.marks[items.next] !== '.') items.next++;
}

/** Dispatches items up to the concurrency limit while the workflow runs and no item has failed. */
export function fillItems(step: Step, run: TaskRun): void {
  const items = run.items!;
  const task = findTask(step.graph, run.task)!;
  for (skipSettled(items); step.state.status === 'running' && items.failed === 0 && items.next < items.values.length
    && (items.concurrency === null || items.active < items.concurrency); skipSettled(items)) {
    const i = items.next++;
    setMark(run, i, 'r');
    items.active++;
    try {
      step.commands.push(renderAction(step, task, run, { run, item: { value: items.values[i] } }, i));
    } catch (err) {
      setMark(run, i, 'f');
      items.active--;
      items.failed++;
      renderingFailed(step, run, err);
      return;
    }
  }
}
