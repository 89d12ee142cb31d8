// The secret values Squall holds — every datastore secret, decrypted, and the settings pack
// configs mark `secret: true` — for masking them in execution results, output and API
// answers (a parameter template may render config_context.api_token into a URL). Listing and
// decrypting them all on every execution would put a datastore scan on the hot path, so the
// list is kept until a key changes on this node, or for a few seconds at most (a change made
// on another node, or a pack registered with a new config, is seen within that time).
import * as rows from '../store/kv.js';
import { listPackConfigs } from '../store/pack-configs.js';
import type { Tx } from '../store/types.js';
import { pairFromRow, type DatastoreDeps } from './service.js';

const MAX_AGE_MS = 5_000;

/**
 * The secrets, read through `tx` when given: a caller inside a transaction (the one that ends
 * an execution, say) must not wait for a second pool connection while holding one.
 */
export type SecretValues = (tx?: Tx) => Promise<unknown[]>;

export function createSecretValues(datastore: DatastoreDeps): SecretValues {
  let cached: { at: number; values: unknown[] } | null = null;
  // Bumped by every change: a list read before it must not be kept after it.
  let generation = 0;
  // One read outside any transaction at a time; callers inside one read through theirs (never
  // waiting on this: it needs a second connection, and PostgreSQL's pool may have none left).
  let reading: Promise<unknown[]> | null = null;
  datastore.onChange.push(async () => {
    cached = null;
    generation++;
  });
  const load = async (tx: Tx) => [
    ...(await rows.secretKv(tx)).filter((r) => r.expire_at === null || r.expire_at > datastore.now()).map((r) => pairFromRow(datastore, r, true).value),
    ...(await listPackConfigs(tx)).flatMap(configSecrets),
  ];
  return async (tx) => {
    const now = datastore.now();
    if (cached && now - cached.at <= MAX_AGE_MS) return cached.values;
    const since = generation;
    const values = tx ? await load(tx) : await (reading ??= datastore.store.read(load).finally(() => (reading = null)));
    if (generation === since) cached = { at: now, values };
    return values;
  };
}

/**
 * The values of a pack config's secret settings. A template (`{{ st2kv.system.token |
 * decrypt_kv }}`) is left out: what it reads is a datastore secret, listed above.
 */
function configSecrets(row: { config_schema: string; config_values: string }): unknown[] {
  const schema = JSON.parse(row.config_schema) as Record<string, { secret?: unknown }>;
  const values = JSON.parse(row.config_values) as Record<string, unknown>;
  return Object.entries(values)
    .filter(([name, v]) => schema[name]?.secret === true && !(typeof v === 'string' && /\{\{|\{%/.test(v)))
    .map(([, v]) => v);
}
