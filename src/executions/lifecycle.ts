// The one place an execution's status changes: checks the transition against the table,
// writes it conditionally (a concurrent change makes it fail), emits the change, and runs
// the onFinished hooks in the same transaction when the execution ends.
import { SquallError } from '../errors.js';
import * as rows from '../store/executions.js';
import type { Tx } from '../store/types.js';
import type { ExecutionDeps } from './deps.js';
import { emitExecution } from './events.js';
import type { Execution } from './model.js';
import { assertTransition, isTerminal, type ExecutionStatus } from './status.js';

export async function transition(
  tx: Tx,
  deps: Pick<ExecutionDeps, 'now' | 'onFinished' | 'onChildStatus'>,
  e: Execution,
  to: ExecutionStatus,
  change: Omit<rows.StatusChange, 'status'> = {},
): Promise<Execution> {
  assertTransition(e.id, e.status, to);
  const now = deps.now();
  const ending = isTerminal(to) && change.end_timestamp === undefined ? { end_timestamp: now } : {};
  const full = { ...change, ...ending, status: to };
  if (!(await rows.changeStatus(tx, e.id, e.status, full, now))) {
    throw new SquallError('ILLEGAL_TRANSITION', `execution ${e.id} changed status while going from ${e.status} to ${to}; try again`);
  }
  const next: Execution = { ...e, ...full, updated_at: now };
  emitExecution(tx, next);
  if (isTerminal(to)) for (const hook of deps.onFinished) await hook(tx, next);
  else if (next.parent_id && isPauseChange(e.status, to)) for (const hook of deps.onChildStatus) await hook(tx, next);
  return next;
}

/**
 * A start: requested → scheduled → running in one write (each hop checked and notified, as
 * st2's statuses go), in the transaction that claims the execution; one UPDATE less per run.
 */
export async function startRunning(
  tx: Tx,
  deps: Pick<ExecutionDeps, 'now' | 'onFinished' | 'onChildStatus'>,
  e: Execution,
  change: Pick<rows.StatusChange, 'start_timestamp' | 'attempt'>,
): Promise<Execution> {
  assertTransition(e.id, e.status, 'scheduled');
  assertTransition(e.id, 'scheduled', 'running');
  const now = deps.now();
  if (!(await rows.changeStatus(tx, e.id, e.status, { ...change, status: 'running' }, now))) {
    throw new SquallError('ILLEGAL_TRANSITION', `execution ${e.id} changed status while going from ${e.status} to running; try again`);
  }
  emitExecution(tx, { ...e, status: 'scheduled', updated_at: now });
  const running: Execution = { ...e, ...change, status: 'running', updated_at: now };
  emitExecution(tx, running);
  return running;
}

// A parent workflow hears of a child pausing, waiting or running again; not of every start.
function isPauseChange(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return to === 'paused' || to === 'pending' || (to === 'running' && from !== 'scheduled');
}
