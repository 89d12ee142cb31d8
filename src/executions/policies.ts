// st2 action policies (https://docs.stackstorm.com/reference/policies.html):
// action.concurrency, action.concurrency.attr and action.retry.
import type { Tx } from '../store/types.js';
import * as rows from '../store/executions.js';
import type { Policy } from '../packs/index.js';
import type { Execution } from './model.js';
import type { ExecutionStatus } from './status.js';

// st2 counts executions that hold a slot: everything started and not yet ended.
const ACTIVE: readonly ExecutionStatus[] = ['scheduled', 'running', 'canceling', 'pausing', 'paused', 'resuming', 'pending'];

export type ConcurrencyVerdict = 'run' | 'delay' | 'cancel';

/** Applies the concurrency policies of an execution about to start. */
export async function concurrencyVerdict(tx: Tx, e: Execution, policies: readonly Policy[]): Promise<ConcurrencyVerdict> {
  let locked = false;
  for (const p of policies) {
    if (!p.enabled || p.policy_type === 'action.retry') continue;
    if (!locked) await rows.lockActionSlots(tx, e.action);
    locked = true;
    const threshold = p.parameters.threshold;
    const attributes = p.policy_type === 'action.concurrency.attr' ? p.parameters.attributes : [];
    const active = attributes.length === 0
      ? await rows.countActive(tx, e.action, ACTIVE, e.id)
      : (await rows.activeParameters(tx, e.action, ACTIVE, e.id)).filter((params) =>
          attributes.every((a) => JSON.stringify(params[a]) === JSON.stringify(e.parameters[a]))).length;
    if (active >= threshold) return p.parameters.action === 'cancel' ? 'cancel' : 'delay';
  }
  return 'run';
}

export interface RetryPlan {
  count: number;
  delayMs: number;
}

/** Whether an execution that ended `status` is retried by an action.retry policy, and when. */
export function retryPlan(e: Execution, status: ExecutionStatus, policies: readonly Policy[]): RetryPlan | null {
  const done = Number((e.context.retry as { count?: number } | undefined)?.count ?? 0);
  for (const p of policies) {
    if (!p.enabled || p.policy_type !== 'action.retry') continue;
    const on = p.parameters.retry_on;
    const matches = (on === 'failure' && status === 'failed') || (on === 'timeout' && status === 'timeout');
    if (matches && done < p.parameters.max_retry_count) return { count: done + 1, delayMs: p.parameters.delay * 1000 };
  }
  return null;
}
