// The decrypted values of every datastore secret, for masking them in execution results,
// output and API answers. Listing and decrypting them all on every execution would put a
// datastore scan on the hot path, so the list is kept until a key changes on this node, or
// for a few seconds at most (a change made on another node is seen within that time).
import { listKeys, type DatastoreDeps } from './service.js';

const MAX_AGE_MS = 5_000;

export function createSecretValues(datastore: DatastoreDeps): () => Promise<string[]> {
  let cached: { at: number; values: Promise<string[]> } | null = null;
  datastore.onChange.push(async () => {
    cached = null;
  });
  const load = async () => (await Promise.all((['system', 'user'] as const).map((scope) =>
    listKeys(datastore, { scope, user: null, limit: 100_000, offset: 0, decrypt: true })))).flat().filter((k) => k.secret).map((k) => String(k.value));
  return () => {
    const now = datastore.now();
    if (!cached || now - cached.at > MAX_AGE_MS) {
      const values = load();
      cached = { at: now, values };
      values.catch(() => {
        cached = null;
      });
    }
    return cached.values;
  };
}
