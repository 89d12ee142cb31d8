import type { Logger } from 'pino';
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
}
