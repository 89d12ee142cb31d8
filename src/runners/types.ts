// What a runner is: it takes one execution's action and parameters and produces a result.
import type { Logger } from 'pino';
import type { Action, ParameterSchema } from '../packs/model.js';

export type OutputStream = 'stdout' | 'stderr';

export interface RunContext {
  executionId: string;
  action: Action;
  /** Directory of the action's pack (entry points are relative to `<packDir>/actions`), or null. */
  packDir: string | null;
  /** Validated parameters: runner parameters and action parameters merged, defaults applied. */
  parameters: Record<string, unknown>;
  /** Aborted when the execution is canceled: stop the work (kill the process group) and return. */
  signal: AbortSignal;
  /** Streams one line (without its newline) of live output into the execution's output. */
  output(stream: OutputStream, line: string): void;
  log: Logger;
}

export type RunStatus = 'succeeded' | 'failed' | 'timeout' | 'canceled';

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
}
