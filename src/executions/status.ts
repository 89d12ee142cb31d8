// Execution statuses and the one table of legal transitions (StackStorm's statuses:
// https://docs.stackstorm.com/reference/executions.html). Every status change goes through here.
import { SquallError } from '../errors.js';

export const STATUSES = [
  'requested', 'scheduled', 'delayed', 'running', 'succeeded', 'failed', 'timeout', 'abandoned',
  'canceling', 'canceled', 'pausing', 'paused', 'resuming', 'pending',
] as const;

export type ExecutionStatus = (typeof STATUSES)[number];

const TERMINAL: ReadonlySet<ExecutionStatus> = new Set(['succeeded', 'failed', 'timeout', 'abandoned', 'canceled']);

const ENDINGS: ExecutionStatus[] = ['succeeded', 'failed', 'timeout', 'abandoned', 'canceling', 'canceled'];

const TRANSITIONS: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  // timeout: a workflow task's timeout can run out before its action started (a delay, a policy).
  requested: ['scheduled', 'delayed', 'canceled', 'failed', 'timeout', 'abandoned'],
  delayed: ['requested', 'scheduled', 'canceled', 'timeout', 'abandoned'],
  scheduled: ['running', 'delayed', 'canceled', 'failed', 'timeout', 'abandoned'],
  running: [...ENDINGS, 'pausing', 'paused', 'pending'],
  pending: ['running', 'resuming', ...ENDINGS, 'pausing', 'paused'],
  pausing: ['paused', ...ENDINGS, 'running'],
  paused: ['resuming', 'running', ...ENDINGS],
  resuming: ['running', ...ENDINGS, 'pausing', 'paused'],
  canceling: ['canceled', 'succeeded', 'failed', 'timeout', 'abandoned'],
  succeeded: [],
  failed: [],
  timeout: [],
  abandoned: [],
  canceled: [],
};

/** True for statuses an execution never leaves. */
export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL.has(status);
}

export function canTransition(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws ILLEGAL_TRANSITION unless `from` → `to` is allowed. */
export function assertTransition(id: string, from: ExecutionStatus, to: ExecutionStatus): void {
  if (!canTransition(from, to)) {
    throw new SquallError('ILLEGAL_TRANSITION', `execution ${id} cannot go from ${from} to ${to}`);
  }
}

export function isStatus(s: string): s is ExecutionStatus {
  return (STATUSES as readonly string[]).includes(s);
}
