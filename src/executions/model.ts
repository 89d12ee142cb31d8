import type { ExecutionStatus } from './status.js';

/** Who or what started an execution, as st2's execution context. */
export interface ExecutionContext {
  user?: string;
  /** 'api', 'cli', 'rule', 'workflow', 'rerun', … */
  source?: string;
  rerun_of?: string;
  /** A workflow re-run from tasks of `rerun_of` (st2 `re-run --tasks`) instead of from the start. */
  rerun_tasks?: RerunTasks;
  [key: string]: unknown;
}

/** st2's re-run `tasks` (none: the failed tasks the workflow ended on) and `reset` (with-items tasks that run all items again). */
export interface RerunTasks {
  tasks: string[];
  reset: string[];
}

/** One action run. Times are epoch milliseconds (the API shows them as ISO 8601). */
export interface Execution {
  id: string;
  action: string;
  runner_type: string;
  status: ExecutionStatus;
  parameters: Record<string, unknown>;
  result: unknown;
  context: ExecutionContext;
  parent_id: string | null;
  created_at: number;
  start_timestamp: number | null;
  end_timestamp: number | null;
  updated_at: number;
  attempt: number;
}
