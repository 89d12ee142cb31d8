// Test helper: drives the conductor with synthetic task-finished events, "running" actions
// instantly (core.noop succeeds, core.echo echoes), so every pattern is testable without I/O.
import { parseOrquesta } from './dsl/orquesta/compile.js';
import { advance, start, type ConductorOptions } from './conductor.js';
import type { Graph } from './graph.js';
import type { FinishStatus, WorkflowCommand, WorkflowEvent, WorkflowState } from './state.js';

export type Schedule = Extract<WorkflowCommand, { kind: 'schedule-task' }>;

/** What an action does: finish now with a status and result, or stay running ('hold'). */
export type Responder = (cmd: Schedule, sim: Simulation) => { status: FinishStatus; result: unknown } | 'hold' | undefined;

export interface Simulation {
  graph: Graph;
  state: WorkflowState;
  commands: WorkflowCommand[];
  /** Schedule commands in dispatch order. */
  scheduled: Schedule[];
  /** Schedules not yet answered (held by the responder). */
  running: Schedule[];
  completion: Extract<WorkflowCommand, { kind: 'complete-workflow' }> | null;
  /** Sends one event and runs whatever it dispatches. */
  send(event: WorkflowEvent): void;
  /** Answers a held schedule. */
  finish(cmd: Schedule, status: FinishStatus, result?: unknown): void;
}

/** The default actions: core.noop → {}, core.echo → st2's local-shell result with stdout = message. */
export function defaultAction(cmd: Schedule): { status: FinishStatus; result: unknown } {
  if (cmd.action === 'core.echo') {
    return { status: 'succeeded', result: { stdout: String(cmd.input.message ?? ''), stderr: '', return_code: 0, succeeded: true, failed: false } };
  }
  if (cmd.action === 'core.fail') return { status: 'failed', result: { error: 'boom' } };
  return { status: 'succeeded', result: {} };
}

export function compileForTest(source: string): Graph {
  const { graph, problems } = parseOrquesta(source);
  if (!graph || problems.some((p) => p.severity === 'error')) throw new Error(`spec problems: ${JSON.stringify(problems)}`);
  return graph;
}

const NOW = new Date('2026-01-01T00:00:00Z');

/**
 * Starts `source` with `input`, answering every dispatched action through `respond` until nothing
 * moves. With `persist`, the state goes through JSON after every call, as the runtime stores it.
 */
export function simulate(
  source: string | Graph, input: Record<string, unknown> = {}, respond: Responder = () => undefined,
  options: ConductorOptions = {}, persist = false,
): Simulation {
  const graph = typeof source === 'string' ? compileForTest(source) : source;
  const pending: Schedule[] = [];
  const sim: Simulation = {
    graph, state: undefined as unknown as WorkflowState, commands: [], scheduled: [], running: [], completion: null,
    send(event) {
      take(advance(graph, sim.state, event, NOW, options));
      pump();
    },
    finish(cmd, status, result = {}) {
      sim.running = sim.running.filter((c) => c !== cmd);
      sim.send({ kind: 'task-finished', run: cmd.run, item: cmd.item, status, result });
    },
  };
  const take = (r: { state: WorkflowState; commands: WorkflowCommand[] }) => {
    sim.state = persist ? (JSON.parse(JSON.stringify(r.state)) as WorkflowState) : r.state;
    for (const c of r.commands) {
      sim.commands.push(c);
      if (c.kind === 'schedule-task') {
        sim.scheduled.push(c);
        pending.push(c);
      }
      if (c.kind === 'complete-workflow') sim.completion = c;
    }
  };
  const pump = () => {
    while (pending.length > 0) {
      const cmd = pending.shift()!;
      const answer = respond(cmd, sim) ?? defaultAction(cmd);
      if (answer === 'hold') {
        sim.running.push(cmd);
        continue;
      }
      take(advance(graph, sim.state, { kind: 'task-finished', run: cmd.run, item: cmd.item, ...answer }, NOW, options));
    }
  };
  take(start(graph, input, NOW, options));
  pump();
  return sim;
}

/** Task names in dispatch order (one per schedule command; items counted once per item). */
export function sequence(sim: Simulation): string[] {
  return sim.scheduled.map((c) => c.task);
}
