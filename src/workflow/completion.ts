// How a workflow ends: once nothing runs, it pauses or completes; the output is rendered on
// Orquesta's terminal context (also when the workflow failed) and complete-workflow is emitted.
import { contextOf, logError, render, type Step } from './dispatch.js';
import { isActiveRun, isEndedRun, type WorkflowState } from './state.js';

/** After an event: pause, or complete the workflow once nothing is running. */
export function settle(step: Step): void {
  const { state } = step;
  if (state.ended) return;
  const open = state.runs.filter((r) => !isEndedRun(r));
  if (open.some(isActiveRun)) return;
  // Items of a with-items run left to dispatch on resume, with none running: the run is dormant.
  const waiting = open.length > 0;
  switch (state.status) {
    case 'running':
      if (waiting) {
        state.status = 'paused';
        step.commands.push({ kind: 'workflow-status', status: 'paused' });
      } else {
        complete(step, unreachableJoins(step) ? 'failed' : 'succeeded', true);
      }
      break;
    case 'pausing':
      state.status = 'paused';
      step.commands.push({ kind: 'workflow-status', status: 'paused' });
      break;
    case 'canceling':
      if (!waiting) complete(step, 'canceled', true);
      break;
    case 'failed':
      unreachableJoins(step);
      complete(step, 'failed', true);
      break;
    default:
      break;
  }
}

/** Orquesta fails a workflow that ends with a join partly satisfied. */
function unreachableJoins(step: Step): boolean {
  let found = false;
  for (const barrier of Object.values(step.state.barriers)) {
    if (barrier.from.length === 0) continue;
    const { task, route } = barrier;
    logError(step.state, new Error(`The join task "${task}" is partially satisfied but unreachable.`), { task_id: task, route });
    found = true;
  }
  return found;
}

/** Ends the workflow: renders the output on the terminal context (also on failure) and says so. */
export function complete(step: Step, status: 'succeeded' | 'failed' | 'canceled' | 'timeout', renderOutput: boolean): void {
  const { state } = step;
  if (step.last && !state.terminals.some((t) => t.seq === step.last!.seq)) state.terminals.push(step.last);
  let final = status;
  if (renderOutput && step.graph.output !== null) {
    const ctx = terminalContext(state);
    const output: Record<string, unknown> = {};
    try {
      for (const o of step.graph.output) {
        output[o.name] = render(step, o.value, ctx, { run: null });
        ctx[o.name] = output[o.name];
      }
      state.output = output;
    } catch (err) {
      logError(state, err);
      if (final !== 'canceled' && final !== 'timeout') final = 'failed';
    }
  }
  state.status = final;
  state.ended = true;
  state.held = [];
  // Children still paused (a failure elsewhere ended the workflow) would otherwise wait forever.
  for (const run of state.runs) if (!isEndedRun(run)) step.commands.push({ kind: 'cancel-task', run: run.id });
  step.commands.push({ kind: 'complete-workflow', status: final, output: state.output, errors: state.errors });
}

/** Orquesta: the initial context overlaid by the contexts of terminal tasks, in the order they ran. */
function terminalContext(state: WorkflowState): Record<string, unknown> {
  const ordered = [...state.terminals].sort((a, b) => a.seq - b.seq);
  return contextOf(state, Object.assign({}, ...ordered.map((t) => t.delta)));
}
