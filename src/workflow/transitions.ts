// What happens when a task execution ends: retry, Orquesta's `next` evaluation (when, publish,
// do — in order), engine commands, joins, and whether the failure was remediated.
import { findTask, inboundTasks, type Graph, type TaskNode, type Transition } from './graph.js';
import { contextOf, createRun, failWorkflow, logError, pushError, render, renderInteger, runKey, type Step } from './dispatch.js';
import { isAbended, type FinishStatus, type TaskRun } from './state.js';

const RETRY_COMMAND_COUNT = 3;
const FAILED_MESSAGE = 'Execution failed. See result for details.';

/** Python truthiness, which Orquesta applies to `when` results. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Orquesta's id of a transition: "<next task>__t<index of the next entry>". */
function transitionId(tr: Transition): string {
  return `${tr.targets[0]?.name ?? 'continue'}__t${tr.index}`;
}

function addTerminal(step: Step, seq: number, run: TaskRun, delta: Record<string, unknown>): void {
  const terminals = step.state.terminals;
  if (!terminals.some((t) => t.seq === seq)) terminals.push({ seq, run: run.id, delta });
}

/** Ends `run` with `status` and `result`, then retries it or follows its transitions. */
export function finishRun(step: Step, run: TaskRun, status: FinishStatus, result: unknown): void {
  const { state } = step;
  const task = findTask(step.graph, run.task)!;
  const delta = run.delta ?? {};
  run.status = status;
  // A with-items result is its items' results, kept once (in run.items) in the saved state.
  if (!run.items) run.result = result;
  run.endedAt = step.now;
  if (!isAbended(status)) delete run.delta;
  step.last = { seq: run.seq, run: run.id, delta };
  if (status === 'canceled') {
    // A child canceled on its own cancels the workflow, as Orquesta's task-canceled event does.
    if (state.status === 'running' || state.status === 'pausing' || state.status === 'paused') state.status = 'canceling';
    return;
  }
  if (state.status === 'running' && task.retry && shouldRetry(step, run, task, delta)) return;
  if (isAbended(status)) {
    pushError(state, { type: 'error', message: FAILED_MESSAGE, task_id: task.name, result });
  }
  followTransitions(step, run, task, delta);
  // Once the workflow has failed, every task that still ends is terminal (Orquesta).
  if (state.status === 'failed') addTerminal(step, run.seq, run, delta);
}

/** Orquesta retry: `when` (default: the task failed) while fewer than `count` retries ran. */
function shouldRetry(step: Step, run: TaskRun, task: TaskNode, delta: Record<string, unknown>): boolean {
  const spec = task.retry!;
  const data = contextOf(step.state, delta);
  try {
    const count = renderInteger(step, spec.count, data, { run }, `task ${task.name} retry count`) ?? 0;
    if (run.attempt >= count) return false;
    const wanted = spec.when === null ? isAbended(run.status) : truthy(render(step, spec.when, data, { run }));
    if (!wanted) return false;
    const delaySeconds = renderInteger(step, spec.delay, data, { run }, `task ${task.name} retry delay`) ?? 0;
    createRun(step, task, { delta, route: run.route, attempt: run.attempt + 1, delaySeconds });
    return true;
  } catch (err) {
    logError(step.state, err, { task_id: task.name, route: run.route });
    failWorkflow(step.state);
    return false;
  }
}

function matchesOn(tr: Transition, status: FinishStatus): boolean {
  if (tr.on === null || tr.on === 'completed') return true;
  return tr.on === 'succeeded' ? status === 'succeeded' : isAbended(status);
}

/** Evaluates each `next` entry in order; stages the targets of those whose `when` holds. */
function followTransitions(step: Step, run: TaskRun, task: TaskNode, delta: Record<string, unknown>): void {
  const { state } = step;
  const status = run.status as FinishStatus;
  if (task.transitions.length === 0) addTerminal(step, run.seq, run, delta);
  const data = contextOf(state, delta);
  let remediated = false;
  let manualFail = false;
  // Target → the context it gets and the transition that reached it first (for its route).
  const arrivals = new Map<string, { delta: Record<string, unknown>; via: Transition }>();
  let retry = false;
  for (const tr of task.transitions) {
    if (!matchesOn(tr, status)) continue;
    let out: Record<string, unknown>;
    try {
      if (tr.when !== null && !truthy(render(step, tr.when, data, { run }))) continue;
      out = { ...delta, ...publish(step, run, tr, data) };
    } catch (err) {
      logError(state, err, { task_id: task.name, route: run.route, task_transition_id: transitionId(tr) });
      failWorkflow(state);
      continue;
    }
    for (const target of tr.targets) {
      if (target.name === 'retry') {
        // Orquesta's retry command: the same task again, with no delay, at most 3 times.
        if (run.attempt < RETRY_COMMAND_COUNT) {
          remediated = true;
          retry = true;
        }
        continue;
      }
      // `continue` only carries the context on; it does not remediate a failure.
      if (target.name !== 'continue') remediated = true;
      if (target.name === 'continue' || target.name === 'noop' || target.name === 'fail') {
        addTerminal(step, state.seq++, run, out);
        if (target.name === 'fail') {
          // Orquesta runs `fail` as a task that fails, and logs it like one.
          pushError(state, { type: 'error', message: FAILED_MESSAGE, task_id: 'fail' });
          manualFail = true;
        }
      } else {
        const seen = arrivals.get(target.name);
        arrivals.set(target.name, { delta: { ...seen?.delta, ...out }, via: seen?.via ?? tr });
      }
    }
  }
  if ((isAbended(status) && !remediated) || manualFail) failWorkflow(state);
  // Orquesta stages next tasks sorted by name; beside a `fail`, they still run (remediation).
  for (const name of [...arrivals.keys()].sort()) {
    const { delta: out, via } = arrivals.get(name)!;
    arrive(step, name, run, via, out, manualFail);
  }
  if (retry) createRun(step, task, { delta, route: run.route, attempt: run.attempt + 1, delaySeconds: 0 }, manualFail);
}

/** publish entries in order: each sees result() and the earlier ones of the same entry. */
function publish(step: Step, run: TaskRun, tr: Transition, data: Record<string, unknown>): Record<string, unknown> {
  const rolling = { ...data };
  const out: Record<string, unknown> = {};
  for (const p of tr.publish) {
    const value = render(step, p.value, rolling, { run });
    rolling[p.name] = value;
    out[p.name] = value;
  }
  return out;
}

/** Transitions into `name`, one per (task, next entry) as Orquesta counts them. */
function inboundTransitions(graph: Graph, name: string): number {
  return graph.tasks.reduce((n, t) => n + t.transitions.filter((tr) => tr.targets.some((g) => g.name === name)).length, 0);
}

/** True when `name` can reach itself. */
function inCycle(graph: Graph, name: string): boolean {
  const seen = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const task = findTask(graph, queue.shift()!);
    for (const target of task?.transitions.flatMap((tr) => tr.targets) ?? []) {
      if (target.name === name) return true;
      if (!seen.has(target.name)) {
        seen.add(target.name);
        queue.push(target.name);
      }
    }
  }
  return false;
}

/**
 * Orquesta's route for the next execution: a split task (several inbound transitions, no join,
 * not in a cycle) gets the route of the path taken, so each arrival is a separate branch.
 */
function routeFor(step: Step, task: TaskNode, from: TaskRun, via: Transition): number {
  const { graph, state } = step;
  if (task.join.kind !== 'none' || inboundTransitions(graph, task.name) <= 1 || inCycle(graph, task.name)) return from.route;
  const path = [...state.routes[from.route]];
  const id = `${from.task}__t${via.index}`;
  if (path.includes(id)) return from.route;
  path.push(id);
  const text = JSON.stringify(path);
  const known = state.routes.findIndex((r) => JSON.stringify(r) === text);
  if (known >= 0) return known;
  state.routes.push(path);
  return state.routes.length - 1;
}

/** A transition reached `name`: run it, or count the branch for its join. */
function arrive(step: Step, name: string, from: TaskRun, via: Transition, delta: Record<string, unknown>, force: boolean): void {
  const task = findTask(step.graph, name);
  if (!task) {
    logError(step.state, new Error(`The task "${name}" is not defined.`), { task_id: from.task, route: from.route });
    failWorkflow(step.state);
    return;
  }
  const route = routeFor(step, task, from, via);
  if (task.join.kind === 'none') {
    createRun(step, task, { delta, route, attempt: 0 }, force);
    return;
  }
  const inbound = inboundTasks(step.graph, name);
  const required = task.join.kind === 'all' ? inbound.length : task.join.count;
  const barrier = (step.state.barriers[runKey(name, route)] ??= { task: name, route, from: [], delta: {}, fired: [] });
  // A branch that arrives after a `join: N` already ran belongs to that round: it does not run the join again.
  if (barrier.fired.length > 0 && !barrier.fired.includes(from.task) && barrier.from.length === 0) {
    barrier.fired.push(from.task);
    if (barrier.fired.length >= inbound.length) barrier.fired = [];
    return;
  }
  if (!barrier.from.includes(from.task)) barrier.from.push(from.task);
  barrier.delta = { ...barrier.delta, ...delta };
  if (barrier.from.length < required) return;
  barrier.fired = barrier.from.length < inbound.length ? [...barrier.from] : [];
  const joined = barrier.delta;
  barrier.from = [];
  barrier.delta = {};
  createRun(step, task, { delta: joined, route, attempt: 0 }, force);
}
