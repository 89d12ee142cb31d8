// The workflow graph every DSL compiles into (Orquesta today; Mistral v2 and ActionChain later).
// Plain JSON data: expressions stay unrendered strings, and every element keeps the place in
// the source it came from so the engine's and the inspector's messages can point at it.

/** 1-based line and column in the workflow source. */
export interface SourcePos {
  line: number;
  column: number;
}

/** Engine commands a transition can name instead of a task (Orquesta's reserved task names). */
export const ENGINE_COMMANDS = ['fail', 'noop', 'continue', 'retry'] as const;
export type EngineCommand = (typeof ENGINE_COMMANDS)[number];

export function isEngineCommand(name: string): name is EngineCommand {
  return (ENGINE_COMMANDS as readonly string[]).includes(name);
}

/** A value that is either given literally or computed by an expression string. */
export type ValueSpec = unknown;

export interface NamedValue {
  name: string;
  /** Unrendered: may contain expressions anywhere inside. */
  value: ValueSpec;
  pos: SourcePos;
}

export interface InputParam {
  name: string;
  /** False when the spec names the input without a default (Orquesta then uses null). */
  hasDefault: boolean;
  default: ValueSpec;
  pos: SourcePos;
}

/** How many inbound branches a task waits for: none (runs on every arrival), all, or a count. */
export type JoinSpec = { kind: 'none' } | { kind: 'all'; pos: SourcePos } | { kind: 'count'; count: number; pos: SourcePos };

export interface WithItemsSpec {
  /** The expression (or literal list) giving the items; with several variables, a list of tuples. */
  items: ValueSpec;
  /** Variable names of `x, y in <% … %>`; empty when the spec is the bare expression (item() is the item). */
  vars: string[];
  /** Number or expression; null: no limit. */
  concurrency: ValueSpec | null;
  pos: SourcePos;
}

export interface RetrySpec {
  /** Expression evaluated against the finished task (result(), failed() …); null: retry on failure. */
  when: string | null;
  count: ValueSpec;
  /** Seconds before each retry; number or expression. */
  delay: ValueSpec | null;
  pos: SourcePos;
}

/** A status a transition can be bound to besides its `when` (Mistral's on-success/on-error/on-complete). */
export type OnStatus = 'succeeded' | 'failed' | 'completed';

export interface Target {
  /** A task name or an engine command. */
  name: string;
  pos: SourcePos;
}

export interface Transition {
  /** Task the transition leaves. */
  from: string;
  /** Position among the task's transitions (Orquesta's `next` index): evaluation order. */
  index: number;
  on: OnStatus | null;
  /** Expression that must be truthy; null: always. */
  when: string | null;
  whenPos: SourcePos | null;
  /** Applied in order; each sees the task's result and the earlier publishes of this transition. */
  publish: NamedValue[];
  targets: Target[];
  pos: SourcePos;
}

export interface TaskNode {
  name: string;
  /** Action reference (may be an expression); null: an action-less task that succeeds at once. */
  action: string | null;
  actionPos: SourcePos | null;
  /** Unrendered action input; null: none. */
  input: ValueSpec | null;
  join: JoinSpec;
  with: WithItemsSpec | null;
  retry: RetrySpec | null;
  /** Seconds to wait before the action is dispatched; number or expression; null: none. */
  delay: ValueSpec | null;
  /** Seconds the action may run; number or expression; null: the action's own. */
  timeout: ValueSpec | null;
  transitions: Transition[];
  pos: SourcePos;
}

export interface Graph {
  description: string | null;
  input: InputParam[];
  vars: NamedValue[];
  /** Tasks in source order. */
  tasks: TaskNode[];
  /** Null when the spec has no output section. */
  output: NamedValue[] | null;
  pos: SourcePos;
}

/** The task named `name`, or undefined. */
export function findTask(graph: Graph, name: string): TaskNode | undefined {
  return graph.tasks.find((t) => t.name === name);
}

/** Distinct names of the tasks with a transition into `name`, in source order. */
export function inboundTasks(graph: Graph, name: string): string[] {
  return graph.tasks
    .filter((t) => t.transitions.some((tr) => tr.targets.some((g) => g.name === name)))
    .map((t) => t.name);
}

/** Tasks nothing transitions into: they start the workflow. */
export function startTasks(graph: Graph): TaskNode[] {
  const targeted = new Set(graph.tasks.flatMap((t) => t.transitions.flatMap((tr) => tr.targets.map((g) => g.name))));
  return graph.tasks.filter((t) => !targeted.has(t.name));
}
