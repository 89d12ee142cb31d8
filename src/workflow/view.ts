// What the API shows of a workflow: its graph (nodes with their latest status, edges between
// tasks with their conditions) and its task executions in start order with their timings and
// the action executions that carry them out.
import type { Execution } from '../executions/model.js';
import { isEngineCommand, type Graph, type OnStatus } from './graph.js';
import type { TaskRun, WorkflowState } from './state.js';

/** One item of a with-items task execution; status null: not dispatched yet. */
export interface ItemView {
  item: number;
  status: string | null;
  execution_id: string | null;
}

export interface TaskView {
  id: number;
  name: string;
  status: string;
  attempt: number;
  start_timestamp: string;
  end_timestamp: string | null;
  /** The action execution of the task (the latest, when its node died and it ran once more); null for action-less and with-items tasks. */
  execution_id: string | null;
  /** Runner type of the task's action executions (`orquesta`: each is a workflow with a view of its own); null when none was requested. */
  runner_type: string | null;
  /** With-items tasks: every item in order; null otherwise. */
  items: ItemView[] | null;
}

export interface WorkflowView {
  status: WorkflowState['status'];
  nodes: Array<{
    name: string; action: string | null; status: string | null; join: string | null; with_items: boolean;
    /** Engine commands (fail, noop, retry) the task's transitions lead to, with the transition's condition. */
    commands: Array<{ command: string; when: string | null; on: OnStatus | null }>;
  }>;
  /** Transitions between tasks; a transition that names no task (only an engine command, or no `do`) is no edge. */
  edges: Array<{ from: string; to: string; when: string | null; on: OnStatus | null }>;
  tasks: TaskView[];
}

// Marks of ItemsState: '.' not dispatched, 'r' running, 'p' paused or pending, 's', 'f', 'c'.
const ITEM_STATUS: Record<string, string | null> = { '.': null, r: 'running', p: 'paused', s: 'succeeded', f: 'failed', c: 'canceled' };

/**
 * The view of workflow `state`; `children` are the workflow's child executions, newest first
 * (a task execution's or item's newest one is the one that counts).
 */
export function workflowView(graph: Graph, state: WorkflowState, children: readonly Execution[]): WorkflowView {
  const bySlot = new Map<string, Execution>();
  for (const c of children) {
    const link = c.context.workflow as { run?: number; item?: number | null } | undefined;
    const key = `${link?.run}/${link?.item ?? null}`;
    if (!bySlot.has(key)) bySlot.set(key, c);
  }
  return {
    status: state.status,
    nodes: graph.tasks.map((t) => ({
      name: t.name,
      action: t.action,
      status: t.name in state.latest ? state.runs[state.latest[t.name]!]!.status : null,
      join: t.join.kind === 'none' ? null : t.join.kind === 'all' ? 'all' : String(t.join.count),
      with_items: t.with !== null,
      commands: t.transitions.flatMap((tr) => tr.targets
        .filter((g) => isEngineCommand(g.name) && g.name !== 'continue')
        .map((g) => ({ command: g.name, when: tr.when, on: tr.on }))),
    })),
    edges: graph.tasks.flatMap((t) => t.transitions.flatMap((tr) => tr.targets
      .filter((g) => !isEngineCommand(g.name))
      .map((g) => ({ from: t.name, to: g.name, when: tr.when, on: tr.on })))),
    tasks: state.runs.map((r) => taskView(r, bySlot)),
  };
}

function taskView(r: TaskRun, bySlot: ReadonlyMap<string, Execution>): TaskView {
  const own = bySlot.get(`${r.id}/null`);
  const executions = r.items ? [...r.items.marks].map((_, i) => bySlot.get(`${r.id}/${i}`)) : [];
  const items = r.items
    ? executions.map((e, i) => ({ item: i, status: e?.status ?? ITEM_STATUS[r.items!.marks[i]!]!, execution_id: e?.id ?? null }))
    : null;
  return {
    id: r.id, name: r.task, status: r.status, attempt: r.attempt, start_timestamp: r.startedAt, end_timestamp: r.endedAt,
    execution_id: own?.id ?? null, runner_type: (own ?? executions.find((e) => e !== undefined))?.runner_type ?? null, items,
  };
}
