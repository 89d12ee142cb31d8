// Change notifications for executions, carried by the store's notify (in-process on SQLite,
// LISTEN/NOTIFY on PostgreSQL) so every node's API can stream them over SSE.
import type { Tx } from '../store/types.js';
import type { Execution } from './model.js';

export const EXECUTION_CHANNEL = 'squall_execution';
export const OUTPUT_CHANNEL = 'squall_output';
export const CANCEL_CHANNEL = 'squall_cancel';

export interface ExecutionEvent {
  id: string;
  action: string;
  status: Execution['status'];
  parent_id: string | null;
  /** Set on the notification of a new execution (st2's `st2.execution__create`); absent on changes. */
  created?: true;
  /** The execution as this change left it (unmasked), when it fits in a notification; else read it. */
  execution?: Execution;
}

export interface OutputEvent {
  execution_id: string;
  seq: number;
  stream: string;
  data: string;
}

/** Notifies a new execution (`created`) or a change of one, once the transaction commits. */
export function emitExecution(tx: Tx, e: Execution, created = false): void {
  const ev: ExecutionEvent = { id: e.id, action: e.action, status: e.status, parent_id: e.parent_id, ...(created ? { created: true } : {}) };
  const full = JSON.stringify({ ...ev, execution: e });
  tx.notify(EXECUTION_CHANNEL, full.length <= MAX_NOTIFY_CHARS ? full : JSON.stringify(ev));
}

// PostgreSQL caps a NOTIFY payload at 8000 bytes: longer lines travel cut, and the full
// line is always in the execution's stored output.
const MAX_NOTIFY_CHARS = 7000;

export function emitOutput(tx: Tx, ev: OutputEvent): void {
  const data = ev.data.length > MAX_NOTIFY_CHARS ? ev.data.slice(0, MAX_NOTIFY_CHARS) + '…' : ev.data;
  tx.notify(OUTPUT_CHANNEL, JSON.stringify({ ...ev, data }));
}
