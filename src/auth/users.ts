// Local users with scrypt password hashes, and the tokens they log in for.
import { randomBytes } from 'node:crypto';
import { SquallError } from '../errors.js';
import { newId } from '../store/ids.js';
import * as sql from '../store/auth.js';
import type { Store } from '../store/types.js';
import { AUTH_CHANNEL, hashKey, type CachedVerifier, type Principal } from './api-keys.js';
import { audit, type Actor } from './audit.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { LoginLimiter } from './rate-limit.js';
import { RBAC_CHANNEL } from './rbac.js';

export interface User {
  username: string;
  enabled: boolean;
  created_at: string;
  roles?: string[];
}

const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,99}$/;
/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 8;

export async function createUser(store: Store, username: string, password: string, actor: Actor, now: number): Promise<User> {
  if (!USERNAME.test(username)) throw new SquallError('BAD_REQUEST', `username ${JSON.stringify(username)} must be letters, digits and . _ @ - (up to 100)`, { field: 'username' });
  if (password.length < MIN_PASSWORD_LENGTH) throw new SquallError('BAD_REQUEST', `the password must be at least ${MIN_PASSWORD_LENGTH} characters`, { field: 'password' });
  const hash = await hashPassword(password);
  await store.tx(async (tx) => {
    if (await sql.getUser(tx, username)) throw new SquallError('CONFLICT', `user ${username} already exists`, { field: 'username' });
    await sql.insertUser(tx, { username, password_hash: hash, enabled: 1, created_at: now, updated_at: now });
    await audit(tx, { actor, ts: now, action: 'user.create', resourceType: 'user', resourceRef: username });
  });
  return { username, enabled: true, created_at: new Date(now).toISOString() };
}

export async function listUsers(store: Store): Promise<User[]> {
  const [users, assignments] = await store.read(async (tx) => [await sql.listUsers(tx), await sql.listAssignments(tx)] as const);
  return users.map((u) => ({
    username: u.username, enabled: u.enabled === 1, created_at: new Date(u.created_at).toISOString(),
    roles: assignments.filter((a) => a.username === u.username).map((a) => a.role),
  }));
}

/** Deletes the user with their API keys, tokens and API-made role assignments. */
export async function deleteUser(store: Store, username: string, actor: Actor, now: number): Promise<void> {
  await store.tx(async (tx) => {
    if ((await sql.deleteUser(tx, username)) === 0) throw new SquallError('USER_NOT_FOUND', `no user ${username}`);
    await sql.deleteApiKeysOf(tx, username);
    await sql.revokeTokensOf(tx, username);
    for (const a of await sql.listAssignments(tx, username)) if (a.source === 'api') await sql.deleteAssignment(tx, username, a.role, 'api');
    await audit(tx, { actor, ts: now, action: 'user.delete', resourceType: 'user', resourceRef: username });
    tx.notify(AUTH_CHANNEL, '');
    tx.notify(RBAC_CHANNEL, '');
  });
}

export async function changePassword(store: Store, username: string, password: string, actor: Actor, now: number): Promise<void> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new SquallError('BAD_REQUEST', `the password must be at least ${MIN_PASSWORD_LENGTH} characters`, { field: 'password' });
  const hash = await hashPassword(password);
  await store.tx(async (tx) => {
    if ((await sql.setPassword(tx, username, hash, now)) === 0) throw new SquallError('USER_NOT_FOUND', `no user ${username}`);
    await sql.revokeTokensOf(tx, username);
    await audit(tx, { actor, ts: now, action: 'user.password', resourceType: 'user', resourceRef: username });
    tx.notify(AUTH_CHANNEL, '');
  });
}

export interface IssuedToken {
  user: string;
  token: string;
  expiry: string;
}

/** Default and longest token lifetimes (st2: 24 h default, configurable maximum). */
export const TOKEN_TTL_SECONDS = 24 * 3600;
export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Checks the password and issues a token. Failures (unknown user or wrong password, told
 * apart by nobody) count against the user and the address; past the limit, TOO_MANY_ATTEMPTS.
 */
export async function login(
  store: Store, limiter: LoginLimiter, req: { username: string; password: string; ttlSeconds?: number; address: string }, now: number,
): Promise<IssuedToken> {
  const wait = limiter.retryAfterMs(req.username, req.address);
  if (wait > 0) throw new SquallError('TOO_MANY_ATTEMPTS', `too many failed logins for ${req.username} or from ${req.address}; retry in ${Math.ceil(wait / 1000)} s`);
  const user = await store.read((tx) => sql.getUser(tx, req.username));
  const ok = user && user.enabled === 1 && (await verifyPassword(req.password, user.password_hash));
  if (!ok) {
    limiter.recordFailure(req.username, req.address);
    await store.tx((tx) => audit(tx, { actor: { user: req.username, address: req.address }, ts: now, action: 'auth.login_failed', resourceType: 'user', resourceRef: req.username }));
    throw new SquallError('UNAUTHORIZED', 'invalid username or password');
  }
  limiter.recordSuccess(req.username, req.address);
  const ttl = Math.min(req.ttlSeconds ?? TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS);
  const token = 'sqt_' + randomBytes(32).toString('base64url');
  const expires = now + ttl * 1000;
  await store.tx(async (tx) => {
    // Expired tokens are useless; logins are rare enough to sweep them here.
    await sql.deleteExpiredTokens(tx, now);
    await sql.insertToken(tx, { id: newId(now), token_hash: hashKey(token), username: req.username, created_at: now, expires_at: expires, revoked: 0 });
    await audit(tx, { actor: { user: req.username, address: req.address }, ts: now, action: 'auth.login', resourceType: 'user', resourceRef: req.username });
  });
  return { user: req.username, token, expiry: new Date(expires).toISOString() };
}

export async function revokeToken(store: Store, token: string, actor: Actor, now: number): Promise<void> {
  await store.tx(async (tx) => {
    if ((await sql.revokeTokenByHash(tx, hashKey(token))) === 0) throw new SquallError('NOT_FOUND', 'no such token');
    await audit(tx, { actor, ts: now, action: 'auth.token_revoke', resourceType: 'user', resourceRef: actor.user });
    tx.notify(AUTH_CHANNEL, '');
  });
}

/** Token check with the same short cache as API keys; revocation empties it through AUTH_CHANNEL. */
export function createTokenVerifier(store: Store, now: () => number, ttlMs = 5000): CachedVerifier {
  const cache = new Map<string, { row: sql.TokenRow | null; until: number }>();
  store.listen(AUTH_CHANNEL, () => cache.clear());
  const verify = async (token: string): Promise<Principal | null> => {
    const hash = hashKey(token);
    const t = now();
    let hit = cache.get(hash);
    if (!hit || hit.until <= t) {
      hit = { row: (await store.read((tx) => sql.findTokenByHash(tx, hash))) ?? null, until: t + ttlMs };
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, hit);
    }
    const row = hit.row;
    return row && row.revoked === 0 && row.expires_at > t ? { username: row.username, via: 'token' } : null;
  };
  return Object.assign(verify, { clear: () => cache.clear() });
}
