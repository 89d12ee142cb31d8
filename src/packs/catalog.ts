// What the execution path reads for every execution — the action, its pack's directory, its
// policies — cached per node. Every change to packs, actions or policies notifies
// CATALOG_CHANNEL after it commits (in-process on SQLite, LISTEN/NOTIFY on PostgreSQL, so other
// nodes hear it too) and the cache is dropped; entries also expire after `ttlMs`, a safety net
// for a notification lost with a database connection.
import { CATALOG_CHANNEL } from '../store/packs.js';
import type { Store, Tx } from '../store/types.js';
import { actionPolicies, findAction, packDirectory } from './index.js';
import type { Action } from './model.js';
import type { Policy } from './policies.js';

export interface Catalog {
  findAction(tx: Tx, ref: string): Promise<Action>;
  packDir(tx: Tx, pack: string): Promise<string | null>;
  policies(tx: Tx, actionRef: string): Promise<Policy[]>;
  /** Forgets everything (a change committed on this node: PackOptions.onChange). */
  clear(): void;
  close(): void;
}

function cached<T>(read: (tx: Tx, key: string) => Promise<T>, now: () => number, ttlMs: number) {
  const entries = new Map<string, { at: number; value: T }>();
  // A read that began before a change must not put the old value back after the change.
  let generation = 0;
  return {
    clear(): void {
      generation++;
      entries.clear();
    },
    async get(tx: Tx, key: string): Promise<T> {
      const hit = entries.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      const at = now();
      const seen = generation;
      const value = await read(tx, key); // throws (ACTION_NOT_FOUND…) without caching anything
      if (seen === generation) entries.set(key, { at, value });
      return value;
    },
  };
}

export function createCatalog(store: Store, now: () => number, ttlMs = 5000): Catalog {
  const actions = cached(findAction, now, ttlMs);
  const dirs = cached(packDirectory, now, ttlMs);
  const policies = cached(actionPolicies, now, ttlMs);
  const clear = (): void => {
    for (const c of [actions, dirs, policies]) c.clear();
  };
  const off = store.listen(CATALOG_CHANNEL, clear);
  return { findAction: actions.get, packDir: dirs.get, policies: policies.get, clear, close: off };
}
