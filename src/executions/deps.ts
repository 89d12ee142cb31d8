import type { Logger } from 'pino';
import type { LocalConsumers } from '../store/queue.js';
import type { Store, Tx } from '../store/types.js';
import type { Action, Policy } from '../packs/index.js';
import type { Runner } from '../runners/types.js';
import type { Execution } from './model.js';

/** What the executions module needs from the rest of the node; passed in, never global. */
export interface ExecutionDeps {
  store: Store;
  now: () => number;
  log: Logger;
  /** This node's name: it owns the leases of the jobs it claims. */
  node: string;
  runners: ReadonlyMap<string, Runner>;
  /** The registered action `ref`; throws ACTION_NOT_FOUND. */
  findAction(tx: Tx, ref: string): Promise<Action>;
  /** Directory the pack was registered from, or null. */
  packDir(tx: Tx, pack: string): Promise<string | null>;
  policies(tx: Tx, actionRef: string): Promise<Policy[]>;
  /** Called in the transaction that ends an execution (workflow callbacks, action-trigger). */
  onFinished: Array<(tx: Tx, execution: Execution) => Promise<void>>;
  /** Called when a child execution (parent_id set) pauses, waits (pending) or runs again after that. */
  onChildStatus: Array<(tx: Tx, execution: Execution) => Promise<void>>;
  /**
   * Decrypted datastore secrets, masked in every execution's result and output (see redact.ts)
   * and in the parameters every surface shows (masking.ts); read through `tx` when given.
   */
  knownSecrets?: (tx?: Tx) => Promise<unknown[]>;
  /** This node's queue consumers, so that a requested execution goes to its scheduler without a claim. */
  localConsumers?: LocalConsumers;
  /** Run control of executions that live beyond one process (workflows), by runner type. */
  controls: ReadonlyMap<string, RunControl>;
}

export type ControlRequest = 'cancel' | 'pause' | 'resume';

/** Carries a cancel/pause/resume request to a long-lived execution, inside the caller's transaction. */
export interface RunControl {
  control(tx: Tx, execution: Execution, request: ControlRequest): Promise<Execution>;
}
