// The workflow engine's public surface: compile and inspect Orquesta specs, and conduct a
// workflow as a pure function of (graph, state, event). The runtime (persistence, dispatch
// of commands as child executions) lives with the orquesta runner.
import { SquallError, formatPlace } from '../errors.js';
import type { Graph } from './graph.js';
import { inspectOrquesta } from './inspect.js';

export { inspectWorkflow } from './inspect.js';
export { start, advance, rerun } from './conductor.js';
export type { ConductorOptions, RerunRequest } from './conductor.js';
export type { Graph, TaskNode, Transition, SourcePos } from './graph.js';
export type { Problem } from './problem.js';
export type {
  WorkflowState, WorkflowStatus, WorkflowEvent, WorkflowCommand, WorkflowError, Advance, TaskRun, RunStatus, FinishStatus,
} from './state.js';

/** Compiles an Orquesta spec into the engine's graph; throws WORKFLOW_INVALID listing every error (with `details` = all problems). */
export function compileOrquesta(source: string, file?: string): Graph {
  const { graph, problems } = inspectOrquesta(source);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0 || !graph) {
    const first = errors[0];
    const lines = errors.map((p) => `${formatPlace({ file, line: p.line, column: p.column })}: ${p.message}`);
    throw new SquallError('WORKFLOW_INVALID', `workflow spec has ${errors.length} error(s):\n${lines.join('\n')}`,
      { file, line: first?.line, column: first?.column }, { details: problems });
  }
  return graph;
}
