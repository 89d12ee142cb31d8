// The conductor: a pure function of (graph, state, event) → (state, commands), following
// Orquesta's semantics (StackStorm/orquesta conducting.py). No I/O, no clock: the runtime
// saves the state and carries out the commands in one transaction, then feeds back events.
import { SquallError } from '../errors.js';
import type { EvalEnv } from '../expr/functions.js';
import { findTask, startTasks, type Graph } from './graph.js';
import { complete, settle } from './completion.js';
import { createRun, fillItems, logError, render, setMark, type Step } from './dispatch.js';
import {
  isAbended, isActiveRun, isEndedRun, type Advance, type FinishStatus, type ItemsState, type TaskRun, type WorkflowEvent,
  type WorkflowState,
} from './state.js';
import { finishRun } from './transitions.js';

/** What the runtime passes besides the event: the expression environment (st2kv lookups, extra functions) and extra context (e.g. `st2`). */
export interface ConductorOptions {
  env?: EvalEnv;
  /** Variables put into the initial context under the input (st2 adds `st2` and `parent` here). */
  context?: Record<string, unknown>;
}

// A workflow whose action-less tasks loop forever would otherwise never return.
const MAX_STEPS = 100_000;

function makeStep(graph: Graph, state: WorkflowState, now: Date, options: ConductorOptions): Step {
  const step: Step = {
    graph, state, env: options.env ?? {}, now: now.toISOString(), commands: [], queue: [], last: null,
    finish: (run, status, result) => finishRun(step, run, status, result),
  };
  return step;
}

function drain(step: Step): void {
  for (let n = 0; step.queue.length > 0; n++) {
    if (n >= MAX_STEPS) {
      logError(step.state, new Error(`more than ${MAX_STEPS} tasks completed within one event: the workflow loops without actions`));
      step.state.status = 'failed';
      step.queue.length = 0;
      return;
    }
    step.queue.shift()!();
  }
}

/** Renders the input (given values, else defaults in order, else null) and vars; the workflow's initial context. */
function initialContext(step: Step, input: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const ctx: Record<string, unknown> = { ...extra, ...input };
  for (const p of step.graph.input) {
    if (Object.prototype.hasOwnProperty.call(input, p.name)) continue;
    ctx[p.name] = p.hasDefault ? render(step, p.default, ctx, { run: null }) : null;
  }
  for (const v of step.graph.vars) ctx[v.name] = render(step, v.value, ctx, { run: null });
  return ctx;
}

/** Starts a workflow: renders input and vars, dispatches the tasks nothing transitions into. */
export function start(graph: Graph, input: Record<string, unknown>, now: Date, options: ConductorOptions = {}): Advance {
  const state: WorkflowState = {
    status: 'running', root: {}, runs: [], held: [], routes: [[]], latest: {}, barriers: {}, terminals: [], seq: 0,
    errors: [], output: null, ended: false,
  };
  const step = makeStep(graph, state, now, options);
  try {
    state.root = initialContext(step, input, options.context ?? {});
  } catch (err) {
    logError(state, err);
    complete(step, 'failed', false);
    return { state, commands: step.commands };
  }
  // Orquesta orders start tasks by name.
  for (const task of [...startTasks(graph)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    createRun(step, task, { delta: {}, route: 0, attempt: 0 });
  }
  drain(step);
  settle(step);
  return { state, commands: step.commands };
}

/**
 * Applies one event. The state is taken over: it is updated in place and returned (copy it
 * first to keep the old one). Events for runs or items that already ended are ignored, so a
 * redelivered event is harmless.
 */
export function advance(graph: Graph, state: WorkflowState, event: WorkflowEvent, now: Date, options: ConductorOptions = {}): Advance {
  const step = makeStep(graph, state, now, options);
  if (state.ended) return { state, commands: [] };
  switch (event.kind) {
    case 'task-finished':
      taskFinished(step, event.run, event.item ?? null, event.status, event.result);
      break;
    case 'task-status':
      taskStatus(step, event.run, event.item ?? null, event.status);
      break;
    case 'pause':
      pause(step);
      break;
    case 'resume':
      resume(step);
      break;
    case 'cancel':
      cancel(step);
      break;
    case 'timeout':
      timeOut(step, event.seconds);
      break;
  }
  drain(step);
  settle(step);
  return { state, commands: step.commands };
}

function openRun(state: WorkflowState, id: number): TaskRun | undefined {
  const run = state.runs[id];
  return run && !isEndedRun(run) ? run : undefined;
}

const MARK: Record<FinishStatus, string> = { succeeded: 's', failed: 'f', timeout: 'f', abandoned: 'f', canceled: 'c' };

function taskFinished(step: Step, id: number, item: number | null, status: FinishStatus, result: unknown): void {
  const run = openRun(step.state, id);
  if (!run) return;
  if (!run.items) {
    finishRun(step, run, status, result);
    return;
  }
  const items = run.items;
  if (item === null || item < 0 || item >= items.values.length) return;
  const mark = items.marks[item];
  if (mark !== 'r' && mark !== 'p') return;
  setMark(run, item, MARK[status]);
  items.results[item] = result;
  if (mark === 'r') items.active--;
  if (MARK[status] === 'f') items.failed++;
  fillItems(step, run);
  finishItemsIfDone(step, run);
}

/** A with-items run ends when nothing of it is running and nothing more will be dispatched. */
function finishItemsIfDone(step: Step, run: TaskRun): void {
  const items = run.items!;
  // Already ended when an item could not be rendered.
  if (items.active > 0 || isEndedRun(run)) return;
  if (items.marks.includes('p')) {
    run.status = 'paused';
    return;
  }
  const remaining = items.next < items.values.length && items.failed === 0;
  const status = step.state.status;
  if (remaining && (status === 'running' || status === 'pausing' || status === 'paused')) {
    // Waits for resume with items left to dispatch.
    if (status !== 'running') run.status = 'paused';
    return;
  }
  const outcome: FinishStatus = items.failed > 0 ? 'failed' : items.marks.includes('c') || remaining ? 'canceled' : 'succeeded';
  finishRun(step, run, outcome, items.results);
}

function taskStatus(step: Step, id: number, item: number | null, status: 'running' | 'paused' | 'pending'): void {
  const run = openRun(step.state, id);
  if (!run) return;
  if (run.items) {
    if (item === null) return;
    const mark = run.items.marks[item];
    const next = status === 'running' ? 'r' : 'p';
    if ((mark !== 'r' && mark !== 'p') || mark === next) return;
    setMark(run, item, next);
    run.items.active += next === 'r' ? 1 : -1;
    run.status = run.items.active > 0 ? 'running' : 'paused';
  } else {
    run.status = status;
  }
  // A child that runs again wakes a workflow that paused because of it (e.g. an answered inquiry).
  if (status === 'running' && step.state.status === 'paused') resume(step);
}

function pause(step: Step): void {
  const { state } = step;
  if (state.status !== 'running') return;
  const active = state.runs.filter(isActiveRun);
  state.status = active.length > 0 ? 'pausing' : 'paused';
  step.commands.push({ kind: 'workflow-status', status: state.status });
  for (const run of active) step.commands.push({ kind: 'pause-task', run: run.id });
}

function resume(step: Step): void {
  const { state } = step;
  if (state.status !== 'paused' && state.status !== 'pausing') return;
  state.status = 'running';
  step.commands.push({ kind: 'workflow-status', status: 'running' });
  for (const run of state.runs) {
    if (run.status === 'paused' && !run.items) step.commands.push({ kind: 'resume-task', run: run.id });
    if (run.items && !isEndedRun(run)) {
      if (run.items.marks.includes('p')) step.commands.push({ kind: 'resume-task', run: run.id });
      run.status = 'running';
      fillItems(step, run);
      finishItemsIfDone(step, run);
    }
  }
  const held = state.held;
  state.held = [];
  for (const h of held) createRun(step, step.graph.tasks.find((t) => t.name === h.task)!, h);
}

function cancel(step: Step): void {
  const { state } = step;
  if (state.status !== 'running' && state.status !== 'pausing' && state.status !== 'paused') return;
  state.held = [];
  const open = state.runs.filter((r) => !isEndedRun(r));
  if (open.length === 0) {
    complete(step, 'canceled', true);
    return;
  }
  state.status = 'canceling';
  step.commands.push({ kind: 'workflow-status', status: 'canceling' });
  for (const run of open) {
    // A with-items run waiting to dispatch more items has nothing that could report back.
    if (run.items && run.items.active === 0 && !run.items.marks.includes('p')) finishRun(step, run, 'canceled', null);
    else step.commands.push({ kind: 'cancel-task', run: run.id });
  }
}

/** Ends the workflow `timeout` whatever it was doing: held tasks dropped, open ones canceled. */
function timeOut(step: Step, seconds: number): void {
  const { state } = step;
  state.held = [];
  logError(state, new Error(`the workflow did not complete within its timeout of ${seconds} seconds`));
  for (const run of state.runs) {
    if (isEndedRun(run)) continue;
    step.commands.push({ kind: 'cancel-task', run: run.id });
    run.status = 'canceled';
    run.endedAt = step.now;
  }
  complete(step, 'timeout', true);
}

/** What to re-run: the named tasks' latest failed executions, or (none named) every failed task the workflow ended on. */
export interface RerunRequest {
  tasks?: string[];
  /** With-items tasks (among `tasks`) that run all their items again; the others re-run only the items that did not succeed. */
  reset?: string[];
}

function rerunCandidates(graph: Graph, state: WorkflowState, request: RerunRequest): TaskRun[] {
  const isLatest = (r: TaskRun) => !state.runs.some((o) => o.id > r.id && o.task === r.task && o.route === r.route);
  if (!request.tasks || request.tasks.length === 0) {
    const terminal = new Set(state.terminals.map((t) => t.seq));
    return state.runs.filter((r) => isAbended(r.status) && terminal.has(r.seq) && isLatest(r));
  }
  for (const name of [...request.tasks, ...(request.reset ?? [])]) {
    if (!findTask(graph, name)) throw new SquallError('RERUN_INVALID', `the workflow has no task named ${name}`, { field: 'tasks' });
  }
  for (const name of request.reset ?? []) {
    if (!request.tasks.includes(name)) throw new SquallError('RERUN_INVALID', `reset names task ${name}, which is not among the tasks to re-run`, { field: 'reset' });
  }
  return request.tasks.map((name) => {
    const id = state.latest[name];
    const run = id === undefined ? undefined : state.runs[id];
    if (!run || !isAbended(run.status)) {
      throw new SquallError('RERUN_INVALID', `task ${name} has no failed execution to re-run (only failed tasks can be re-run)`, { field: 'tasks' });
    }
    return run;
  });
}

/** For a with-items task: its items again, keeping those that succeeded. */
function itemsToRerun(items: ItemsState): ItemsState {
  const marks = [...items.marks].map((m) => (m === 's' ? 's' : '.')).join('');
  return { ...items, marks, results: items.results.map((r, i) => (marks[i] === 's' ? r : null)), next: 0, active: 0, failed: 0 };
}

/**
 * Re-runs a failed workflow from its failed task(s) (st2's `re-run --tasks`): each one runs
 * again in the context it had, the published context and the other tasks' results are kept,
 * and the workflow goes on from there. Like `advance`, it takes over the given state.
 */
export function rerun(graph: Graph, state: WorkflowState, request: RerunRequest, now: Date, options: ConductorOptions = {}): Advance {
  if (!state.ended || state.status === 'succeeded') {
    throw new SquallError('ILLEGAL_TRANSITION', `only a workflow that ended failed, timeout or canceled can be re-run from tasks (this one is ${state.status})`);
  }
  const candidates = rerunCandidates(graph, state, request).sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : a.route - b.route));
  if (candidates.length === 0) throw new SquallError('RERUN_INVALID', 'the workflow has no failed task to re-run', { field: 'tasks' });
  const step = makeStep(graph, state, now, options);
  const names = new Set(candidates.map((r) => r.task));
  const ids = new Set(candidates.map((r) => r.id));
  // Errors of the re-run tasks go; so do those of the output and of joins, decided again at the end.
  const joins = new Set(Object.values(state.barriers).filter((b) => b.from.length > 0).map((b) => b.task));
  state.errors = state.errors.filter((e) => e.task_id !== undefined && !names.has(e.task_id) && !joins.has(e.task_id));
  state.terminals = state.terminals.filter((t) => !ids.has(t.run));
  state.status = 'running';
  state.ended = false;
  state.output = null;
  step.commands.push({ kind: 'workflow-status', status: 'running' });
  const reset = new Set(request.reset ?? []);
  for (const run of candidates) {
    createRun(step, findTask(graph, run.task)!, { delta: run.delta ?? {}, route: run.route, attempt: 0 }, false,
      run.items && !reset.has(run.task) ? itemsToRerun(run.items) : null);
  }
  drain(step);
  settle(step);
  return { state, commands: step.commands };
}
