// API keys: random, shown once, stored as SHA-256. The admin key is created on first start
// and written to $SQUALL_HOME/credentials (mode 0600) for the CLI on the same machine.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { SquallError } from '../errors.js';
import type { Store } from '../store/types.js';
import { newId } from '../store/ids.js';
import { findApiKeyByHash, insertApiKey } from '../store/api-keys.js';
import * as sql from '../store/auth.js';
import { audit, type Actor } from './audit.js';

/** Wake-up sent when a key or token is revoked, disabled or deleted: verifiers drop their caches. */
export const AUTH_CHANNEL = 'squall_auth';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface ApiKeyInfo {
  id: string;
  user: string;
  enabled: boolean;
  description: string;
  created_at: string;
  expires_at: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toInfo(r: sql.ApiKeyListRow): ApiKeyInfo {
  return { id: r.id, user: r.username, enabled: r.enabled === 1, description: r.description, created_at: iso(r.created_at)!, expires_at: iso(r.expires_at) };
}

export interface CreateApiKeyOptions {
  /** Seconds until the key stops working; absent: never. */
  ttlSeconds?: number;
  description?: string;
  actor?: Actor;
}

/** Creates a key for `username`; the key itself is in the answer only (never stored or shown again). */
export async function createApiKey(store: Store, username: string, now: number, opts: CreateApiKeyOptions = {}): Promise<{ id: string; key: string }> {
  const key = 'sq_' + randomBytes(32).toString('base64url');
  const id = newId(now);
  await store.tx(async (tx) => {
    await insertApiKey(tx, id, hashKey(key), username, now);
    if (opts.ttlSeconds !== undefined || opts.description) {
      await sql.setApiKeyExtras(tx, id, opts.ttlSeconds === undefined ? null : now + Math.round(opts.ttlSeconds * 1000), opts.description ?? '');
    }
    if (opts.actor) await audit(tx, { actor: opts.actor, ts: now, action: 'api_key.create', resourceType: 'api_key', resourceRef: id, details: { user: username } });
  });
  return { id, key };
}

export async function listApiKeys(store: Store, username: string | null): Promise<ApiKeyInfo[]> {
  return (await store.read((tx) => sql.listApiKeys(tx, username))).map(toInfo);
}

export async function getApiKey(store: Store, id: string): Promise<ApiKeyInfo> {
  const row = await store.read((tx) => sql.getApiKey(tx, id));
  if (!row) throw new SquallError('NOT_FOUND', `no API key ${id}`);
  return toInfo(row);
}

export async function setApiKeyEnabled(store: Store, id: string, enabled: boolean, actor: Actor, now: number): Promise<ApiKeyInfo> {
  await store.tx(async (tx) => {
    if ((await sql.setApiKeyEnabled(tx, id, enabled)) === 0) throw new SquallError('NOT_FOUND', `no API key ${id}`);
    await audit(tx, { actor, ts: now, action: enabled ? 'api_key.enable' : 'api_key.disable', resourceType: 'api_key', resourceRef: id });
    tx.notify(AUTH_CHANNEL, '');
  });
  return getApiKey(store, id);
}

export async function deleteApiKey(store: Store, id: string, actor: Actor, now: number): Promise<void> {
  await store.tx(async (tx) => {
    if ((await sql.deleteApiKey(tx, id)) === 0) throw new SquallError('NOT_FOUND', `no API key ${id}`);
    await audit(tx, { actor, ts: now, action: 'api_key.delete', resourceType: 'api_key', resourceRef: id });
    tx.notify(AUTH_CHANNEL, '');
  });
}

/** A credential check with a cache; clear() forgets everything (this node, at once). */
export type CachedVerifier = ((credential: string) => Promise<Principal | null>) & { clear(): void };

export interface Principal {
  username: string;
  /** How the request proved who it is ('system' for work Squall does on someone's behalf, see on-behalf.ts). */
  via: 'api_key' | 'token' | 'system';
}

/**
 * Verifies API keys with a small cache: a key seen valid within the last few seconds costs
 * one hash and a map lookup (the API's per-request budget is well under a millisecond).
 * Disabling or deleting a key notifies AUTH_CHANNEL, which empties the cache on every node.
 */
export function createKeyVerifier(store: Store, now: () => number, ttlMs = 5000): CachedVerifier {
  const cache = new Map<string, { principal: Principal | null; until: number; expires: number | null }>();
  store.listen(AUTH_CHANNEL, () => cache.clear());
  const verify = async (key: string): Promise<Principal | null> => {
    const hash = hashKey(key);
    const hit = cache.get(hash);
    const t = now();
    if (hit && hit.until > t) return hit.expires !== null && hit.expires <= t ? null : hit.principal;
    const row = await store.read((tx) => sql.findApiKeyForAuth(tx, hash));
    const principal: Principal | null = row && row.enabled ? { username: row.username, via: 'api_key' } : null;
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { principal, until: t + ttlMs, expires: row?.expires_at ?? null });
    return row?.expires_at != null && row.expires_at <= t ? null : principal;
  };
  return Object.assign(verify, { clear: () => cache.clear() });
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
  const { key } = await createApiKey(store, 'admin', now(), { description: 'admin key of the credentials file' });
  const creds = { api_key: key, url };
  mkdirSync(home, { recursive: true });
  writeCredentials(file, creds);
  return creds;
}

function writeCredentials(file: string, creds: Credentials): void {
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}
