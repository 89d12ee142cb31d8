// Ending an execution that ran past a timeout it was given from outside (a workflow task's
// `timeout`): like a cancel, but it ends `timeout` at once, and the node running its action
// kills the process group as for a cancel; the late outcome finds the execution ended.
import { deleteByRef } from '../store/queue.js';
import type { Tx } from '../store/types.js';
import type { ExecutionDeps } from './deps.js';
import { CANCEL_CHANNEL } from './events.js';
import { transition } from './lifecycle.js';
import type { Execution } from './model.js';
import { EXECUTION_QUEUE, NOT_STARTED } from './service.js';

/** Ends `e` (not yet ended) with status timeout, in the caller's transaction. */
export async function timeOutIn(tx: Tx, deps: ExecutionDeps, e: Execution, seconds: number): Promise<Execution> {
  const result = { error: `Action failed to complete in ${seconds} seconds` };
  if (NOT_STARTED.has(e.status)) {
    await deleteByRef(tx, EXECUTION_QUEUE, e.id);
    return transition(tx, deps, e, 'timeout', { result });
  }
  const ended = await transition(tx, deps, e, 'timeout', { result });
  tx.notify(CANCEL_CHANNEL, e.id);
  return ended;
}
