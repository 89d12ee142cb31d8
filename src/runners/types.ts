// What a runner is: it takes one execution's action and parameters and produces a result.
import type { Logger } from 'pino';
import type { Action, ParameterSchema } from '../packs/model.js';

export type OutputStream = 'stdout' | 'stderr';

export interface RunContext {
  executionId: string;
  action: Action;
  /** Directory of the action's pack (entry points are relative to `<packDir>/actions`), or null. */
  packDir: string | null;
  /** Who started the execution (context.user), whose permissions its templates have; null: the system. */
  user: string | null;
  /** Validated parameters: runner parameters and action parameters merged, defaults applied. */
  parameters: Record<string, unknown>;
  /** Aborted when the execution is canceled: stop the work (kill the process group) and return. */
  signal: AbortSignal;
  /** Streams one line (without its newline) of live output into the execution's output. */
  output(stream: OutputStream, line: string): void;
  /** Masks `value` in this execution's output and result from now on (a datastore secret the action read). */
  addSecret?: (value: unknown) => void;
  log: Logger;
}

/** 'running': the execution goes on without this process (a workflow, an inquiry); its runtime ends it later. */
export type RunStatus = 'succeeded' | 'failed' | 'timeout' | 'canceled' | 'running';

export interface RunOutcome {
  status: RunStatus;
  result: unknown;
}

export interface Runner {
  /** st2 runner type name, e.g. "local-shell-cmd". */
  name: string;
  description: string;
  /** st2 runner_parameters: merged under the action's parameters (the action's override). */
  parameters: ParameterSchema;
  run(ctx: RunContext): Promise<RunOutcome>;
  /**
   * True for runners whose run() only starts work that lives in the store (workflows): when
   * a node dies before handing it over, the execution is started again rather than abandoned,
   * and run() must then be idempotent.
   */
  resumable?: boolean;
  /** Lets go of what the runner keeps between executions (warm worker processes): the node is stopping. */
  close?(): Promise<void>;
}
