// The conductor's persisted state, its events and its commands: the protocol between the
// pure conductor and the runtime that stores the state and carries the commands out.
// Everything here is plain JSON: the state is saved after every event.

export type WorkflowStatus = 'running' | 'pausing' | 'paused' | 'canceling' | 'canceled' | 'succeeded' | 'failed' | 'timeout';

/** st2 statuses a task execution can be in. */
export type RunStatus =
  | 'running' | 'pausing' | 'paused' | 'pending' | 'canceling'
  | 'succeeded' | 'failed' | 'timeout' | 'abandoned' | 'canceled';

/** How an action execution (or one with-items item) ended. */
export type FinishStatus = 'succeeded' | 'failed' | 'timeout' | 'abandoned' | 'canceled';

/** Per-item progress of a with-items task, one character per item: flat for 10,000 items. */
export interface ItemsState {
  /** The items the list expression gave, rendered once when the task started. */
  values: unknown[];
  /** '.' not dispatched, 'r' running, 'p' paused or pending, 's' succeeded, 'f' failed, 'c' canceled. */
  marks: string;
  /** The action result of each item; null until it finished. */
  results: unknown[];
  /** Items running at once; null: no limit. */
  concurrency: number | null;
  /** Index of the first item not yet dispatched. */
  next: number;
  /** Items dispatched and not finished nor paused. */
  active: number;
  /** Items that failed (then no further item is dispatched, as Orquesta stops the task). */
  failed: number;
}

/** One task execution. */
export interface TaskRun {
  /** Task-execution index: position in `WorkflowState.runs`, in start order. */
  id: number;
  task: string;
  /** Orquesta's route: index in `WorkflowState.routes` of the branch path this execution is on. */
  route: number;
  status: RunStatus;
  /** Variables published on the way to this execution, on top of `root` (dropped once it succeeded; a failed one keeps it for a re-run). */
  delta?: Record<string, unknown>;
  /** 0 for the first attempt; a retry is a new run with attempt + 1. */
  attempt: number;
  /** The action result (null for with-items: the item results stay in `items.results`). */
  result: unknown;
  items: ItemsState | null;
  /** Order key shared with engine commands (continue/noop/fail), for Orquesta's terminal context. */
  seq: number;
  /** Seconds to wait before dispatching (a retry's delay overrides the task's). */
  delaySeconds?: number;
  startedAt: string;
  endedAt: string | null;
}

/** A task execution decided while the workflow was pausing or paused: dispatched on resume. */
export interface HeldRun {
  task: string;
  route: number;
  delta: Record<string, unknown>;
  attempt: number;
  delaySeconds?: number;
}

/** A join task's inbound branches arrived so far. */
export interface Barrier {
  task: string;
  route: number;
  /** Inbound tasks whose transition into the join was satisfied. */
  from: string[];
  /** Their published variables merged in arrival order. */
  delta: Record<string, unknown>;
  /** After the join ran: inbound tasks of that round, so late branches do not run it twice. */
  fired: string[];
}

/** A context that counts for the output: a terminal task's, or an engine command's (`run` is the task execution that reached it). */
export interface Terminal {
  seq: number;
  run: number;
  delta: Record<string, unknown>;
}

/** An entry of the workflow's `errors`, shaped as Orquesta's. */
export interface WorkflowError {
  type: 'error';
  message: string;
  task_id?: string;
  route?: number;
  task_transition_id?: string;
  result?: unknown;
}

export interface WorkflowState {
  status: WorkflowStatus;
  /** Workflow input and vars: Orquesta's initial context. */
  root: Record<string, unknown>;
  runs: TaskRun[];
  held: HeldRun[];
  /**
   * Orquesta's routes: route 0 is the root; a task reached by several transitions (a split, not a
   * join, not in a cycle) runs once per arrival, each on a route naming the transitions taken.
   */
  routes: string[][];
  /** Task name → id of its latest run on any route. */
  latest: Record<string, number>;
  /** Join tasks waiting for branches, by "task|route". */
  barriers: Record<string, Barrier>;
  /** Contexts of terminal tasks and commands; the output is rendered on their merge, in seq order. */
  terminals: Terminal[];
  seq: number;
  errors: WorkflowError[];
  output: Record<string, unknown> | null;
  /** True once complete-workflow was emitted. */
  ended: boolean;
}

/** What happened since the last call: a task execution ended or changed status, or a run-control request. */
export type WorkflowEvent =
  | { kind: 'task-finished'; run: number; item?: number | null; status: FinishStatus; result: unknown }
  | { kind: 'task-status'; run: number; item?: number | null; status: 'running' | 'paused' | 'pending' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'cancel' }
  /** The workflow ran past its timeout (a Squall extension): it ends `timeout` at once, its open tasks canceled. */
  | { kind: 'timeout'; seconds: number };

/** What the runtime must do, in order. */
export type WorkflowCommand =
  | {
      kind: 'schedule-task';
      run: number;
      task: string;
      /** Item index of a with-items task; null otherwise. */
      item: number | null;
      action: string;
      input: Record<string, unknown>;
      attempt: number;
      delaySeconds: number;
      timeoutSeconds: number | null;
    }
  | { kind: 'cancel-task'; run: number }
  | { kind: 'pause-task'; run: number }
  | { kind: 'resume-task'; run: number }
  | { kind: 'workflow-status'; status: 'pausing' | 'paused' | 'canceling' | 'running' }
  | { kind: 'complete-workflow'; status: 'succeeded' | 'failed' | 'canceled' | 'timeout'; output: Record<string, unknown> | null; errors: WorkflowError[] };

/** The conductor's answer: the state to save and the commands to perform, in one transaction. */
export interface Advance {
  state: WorkflowState;
  commands: WorkflowCommand[];
}

const ACTIVE: ReadonlySet<RunStatus> = new Set(['running', 'pausing', 'canceling']);
const ENDED: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'timeout', 'abandoned', 'canceled']);

/** True while an action of the run may still report back on its own. */
export function isActiveRun(run: TaskRun): boolean {
  return ACTIVE.has(run.status);
}

export function isEndedRun(run: TaskRun): boolean {
  return ENDED.has(run.status);
}

/** failed, timeout and abandoned: the statuses a transition can remediate. */
export function isAbended(status: RunStatus): boolean {
  return status === 'failed' || status === 'timeout' || status === 'abandoned';
}
