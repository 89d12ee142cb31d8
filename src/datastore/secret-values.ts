// The decrypted values of every datastore secret, for masking them in execution results,
// output and API answers. Listing and decrypting them all on every execution would put a
// datastore scan on the hot path, so the list is kept until a key changes on this node, or
// for a few seconds at most (a change made on another node is seen within that time).
import * as rows from '../store/kv.js';
import type { Tx } from '../store/types.js';
import { pairFromRow, type DatastoreDeps } from './service.js';

const MAX_AGE_MS = 5_000;

/**
 * The secrets, read through `tx` when given: a caller inside a transaction (the one that ends
 * an execution, say) must not wait for a second pool connection while holding one.
 */
export type SecretValues = (tx?: Tx) => Promise<unknown[]>;

export function createSecretValues(datastore: DatastoreDeps): SecretValues {
  let cached: { at: number; values: Promise<unknown[]> } | null = null;
  datastore.onChange.push(async () => {
    cached = null;
  });
  const load = async (tx: Tx) => (await rows.secretKv(tx))
    .filter((r) => r.expire_at === null || r.expire_at > datastore.now())
    .map((r) => pairFromRow(datastore, r, true).value);
  return (tx) => {
    const now = datastore.now();
    if (!cached || now - cached.at > MAX_AGE_MS) {
      const values = tx ? load(tx) : datastore.store.read(load);
      cached = { at: now, values };
      values.catch(() => {
        cached = null;
      });
    }
    return cached.values;
  };
}
