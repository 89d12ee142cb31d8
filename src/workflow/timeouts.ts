// Task and workflow timeouts as jobs in the store's work queue, due when the time runs out:
// the timeout is written in the transaction that requests the task (or starts the workflow),
// so it fires once whichever node is up then, also after a restart. A job for an execution
// that ended in time finds nothing to do.
import { startConsumer, type Consumer } from '../store/consumer.js';
import * as rows from '../store/executions.js';
import { deleteByRef, enqueue } from '../store/queue.js';
import type { Tx } from '../store/types.js';
import type { ExecutionDeps } from '../executions/deps.js';
import { NOT_STARTED } from '../executions/service.js';
import { isTerminal } from '../executions/status.js';
import { timeOutIn } from '../executions/timeout.js';
import type { WorkflowRuntime } from './role.js';

export const TIMEOUT_QUEUE = 'timeouts';

interface TimeoutJob {
  id: string;
  seconds: number;
}

/** Execution `id` times out `seconds` after `fromMs` unless it ended by then. */
export async function scheduleTimeout(tx: Tx, deps: Pick<ExecutionDeps, 'now'>, id: string, seconds: number, fromMs: number): Promise<void> {
  const job: TimeoutJob = { id, seconds };
  await enqueue(tx, { queue: TIMEOUT_QUEUE, ref: id, payload: job, runAt: fromMs + seconds * 1000 }, deps.now());
}

/** Drops the timeout of an execution that ended. */
export async function dropTimeout(tx: Tx, id: string): Promise<void> {
  await deleteByRef(tx, TIMEOUT_QUEUE, id);
}

export interface TimeoutOptions {
  leaseMs: number;
  pollMs: number;
}

/** Ends the executions whose timeout ran out: a started workflow through its conductor, any other like a cancel. */
export function startTimeouts(deps: ExecutionDeps, workflows: WorkflowRuntime, opts: TimeoutOptions): Consumer {
  return startConsumer(deps.store, {
    queue: TIMEOUT_QUEUE,
    node: deps.node,
    concurrency: 16,
    leaseMs: opts.leaseMs,
    pollMs: opts.pollMs,
    now: deps.now,
    log: deps.log.child({ role: 'timeouts' }),
    async handle(job) {
      const { id, seconds } = job.payload as TimeoutJob;
      await deps.store.tx(async (tx) => {
        const e = await rows.getExecution(tx, id);
        if (!e || isTerminal(e.status)) return;
        if (e.runner_type === workflows.runner.name && !NOT_STARTED.has(e.status)) await workflows.timeOut(tx, e, seconds);
        else await timeOutIn(tx, deps, e, seconds);
      });
    },
  });
}
