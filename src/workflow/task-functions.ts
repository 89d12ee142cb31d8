// The expression functions a workflow adds to the shared ones: Orquesta's result(), item(),
// succeeded(), failed(), completed(), task_status(name) and StackStorm's task(name).
import { SquallError } from '../errors.js';
import type { EvalEnv, HostFunction } from '../expr/functions.js';
import { isAbended, type TaskRun, type WorkflowState } from './state.js';

/** What the expression being evaluated belongs to: a task execution, maybe one of its items. */
export interface Scope {
  run: TaskRun | null;
  /** The current with-items item (already mapped to {x, y} when the spec names variables). */
  item?: { value: unknown };
}

function evalError(message: string): SquallError {
  return new SquallError('EXPR_EVAL', message);
}

/** st2's task execution record as task() returns it; with-items results as {items: [{status, result}]}. */
export function taskRecord(run: TaskRun): Record<string, unknown> {
  return {
    task_execution_id: run.id,
    task_id: run.task,
    task_name: run.task,
    route: run.route,
    status: run.status,
    result: run.items ? { items: itemRecords(run) } : run.result,
  };
}

function itemRecords(run: TaskRun): unknown[] {
  const items = run.items!;
  return items.results.map((result, i) => {
    const mark = items.marks[i];
    if (mark === '.') return null;
    const status = mark === 's' ? 'succeeded' : mark === 'f' ? 'failed' : mark === 'c' ? 'canceled' : 'running';
    return { status, result };
  });
}

/** The task execution's result: for with-items, the list of item results (null for items not run). */
export function resultOf(run: TaskRun): unknown {
  return run.items ? run.items.results : run.result;
}

/** st2's task(name, route) and Orquesta's task_status(name, route): the latest run on the route, by default the current task's. */
function lookup(state: WorkflowState, scope: Scope, args: unknown[], kwargs: Record<string, unknown>): TaskRun | undefined {
  const name = String(args[0]);
  const route = Number(kwargs.route ?? args[1] ?? scope.run?.route ?? 0);
  const id = state.latest[name];
  if (id === undefined) return undefined;
  if (state.runs[id].route === route) return state.runs[id];
  for (let i = id - 1; i >= 0; i--) if (state.runs[i].task === name && state.runs[i].route === route) return state.runs[i];
  return undefined;
}

function current(scope: Scope, name: string): TaskRun {
  if (!scope.run) throw evalError(`${name}(): there is no current task here`);
  return scope.run;
}

/** The environment for one evaluation: the runtime's env plus the workflow functions. */
export function workflowEnv(base: EvalEnv, state: WorkflowState, scope: Scope): EvalEnv {
  const fns: Record<string, HostFunction> = {
    result: () => resultOf(current(scope, 'result')),
    succeeded: () => current(scope, 'succeeded').status === 'succeeded',
    failed: () => isAbended(current(scope, 'failed').status),
    completed: () => {
      const s = current(scope, 'completed').status;
      return s === 'succeeded' || isAbended(s) || s === 'canceled';
    },
    task_status: (_root, args, kwargs) => lookup(state, scope, args, kwargs)?.status ?? null,
    task: (_root, args, kwargs) => {
      if (args.length === 0) return taskRecord(current(scope, 'task'));
      const run = lookup(state, scope, args, kwargs);
      if (!run) throw evalError(`task(): Unable to find task execution for "${String(args[0])}".`);
      return taskRecord(run);
    },
    item: (_root, args) => {
      if (!scope.item) throw evalError('item(): the current task is not a with-items task');
      if (args.length === 0) return scope.item.value;
      const value = scope.item.value;
      const key = String(args[0]);
      if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, key)) {
        throw evalError(`item(): the item has no variable "${key}"`);
      }
      return (value as Record<string, unknown>)[key];
    },
  };
  return { ...base, functions: { ...base.functions, ...fns } };
}
