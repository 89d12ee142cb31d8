// API keys: random, shown once, stored as SHA-256. The admin key is created on first start
// and written to $SQUALL_HOME/credentials (mode 0600) for the CLI on the same machine.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/types.js';
import { newId } from '../store/ids.js';
import { findApiKeyByHash, insertApiKey } from '../store/api-keys.js';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function createApiKey(store: Store, username: string, now: number): Promise<{ id: string; key: string }> {
  const key = 'sq_' + randomBytes(32).toString('base64url');
  const id = newId(now);
  await store.tx((tx) => insertApiKey(tx, id, hashKey(key), username, now));
  return { id, key };
}

export interface Principal {
  username: string;
  /** How the request proved who it is. */
  via: 'api_key' | 'token';
}

/**
 * Verifies API keys with a small cache: a key seen valid within the last few seconds costs
 * one hash and a map lookup (the API's per-request budget is well under a millisecond).
 */
export function createKeyVerifier(store: Store, now: () => number, ttlMs = 5000) {
  const cache = new Map<string, { principal: Principal | null; until: number }>();
  return async function verify(key: string): Promise<Principal | null> {
    const hash = hashKey(key);
    const hit = cache.get(hash);
    if (hit && hit.until > now()) return hit.principal;
    const row = await store.read((tx) => findApiKeyByHash(tx, hash));
    const principal: Principal | null = row && row.enabled ? { username: row.username, via: 'api_key' } : null;
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { principal, until: now() + ttlMs });
    return principal;
  };
}

export interface Credentials {
  api_key: string;
  url: string;
}

/** The credentials file's contents, creating the admin key (and the file) when it is missing or stale. */
export async function ensureAdminCredentials(store: Store, home: string, url: string, now: () => number): Promise<Credentials> {
  const file = join(home, 'credentials');
  if (existsSync(file)) {
    const existing = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
    const row = await store.read((tx) => findApiKeyByHash(tx, hashKey(existing.api_key)));
    if (row?.enabled) {
      if (existing.url !== url) writeCredentials(file, { ...existing, url });
      return { ...existing, url };
    }
  }
  const { key } = await createApiKey(store, 'admin', now());
  const creds = { api_key: key, url };
  mkdirSync(home, { recursive: true });
  writeCredentials(file, creds);
  return creds;
}

function writeCredentials(file: string, creds: Credentials): void {
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}
