// What the API shows of a workflow: its graph (nodes with their latest status, edges with
// their conditions) and its task executions in start order with their timings.
import type { Graph } from './graph.js';
import type { WorkflowState } from './state.js';

export interface WorkflowView {
  status: WorkflowState['status'];
  nodes: Array<{ name: string; action: string | null; status: string | null; join: string | null; with_items: boolean }>;
  edges: Array<{ from: string; to: string; when: string | null; on: string | null }>;
  tasks: Array<{ id: number; name: string; status: string; attempt: number; start_timestamp: string; end_timestamp: string | null; items: number | null }>;
}

export function workflowView(graph: Graph, state: WorkflowState): WorkflowView {
  return {
    status: state.status,
    nodes: graph.tasks.map((t) => ({
      name: t.name,
      action: t.action,
      status: t.name in state.latest ? state.runs[state.latest[t.name]!]!.status : null,
      join: t.join.kind === 'none' ? null : t.join.kind === 'all' ? 'all' : String(t.join.count),
      with_items: t.with !== null,
    })),
    edges: graph.tasks.flatMap((t) => t.transitions.flatMap((tr) => tr.targets.map((g) => ({ from: t.name, to: g.name, when: tr.when, on: tr.on })))),
    tasks: state.runs.map((r) => ({
      id: r.id, name: r.task, status: r.status, attempt: r.attempt, start_timestamp: r.startedAt, end_timestamp: r.endedAt,
      items: r.items ? r.items.values.length : null,
    })),
  };
}
