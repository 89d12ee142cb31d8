// The key-value datastore: scoped keys, TTL, string or JSON values, encrypted secrets.
// Every change runs in one transaction with its audit entry and its change hooks
// (the events module turns those into core.st2.key_value_pair.* trigger instances).
import { audit, type Actor } from '../auth/audit.js';
import { SquallError } from '../errors.js';
import * as rows from '../store/kv.js';
import type { Store, Tx } from '../store/types.js';
import { cipherForHome, createCipher, newKey, promotePendingKey, writePendingKey, type Cipher } from './crypto.js';
import { assertKeyName, assertValueSize, type KvScope } from './names.js';

/** One key as the API shows it. A secret's value is its ciphertext unless decrypted. */
export interface KeyValuePair {
  name: string;
  scope: KvScope;
  /** The owner of a user-scope key; null for system keys. */
  user: string | null;
  value: unknown;
  secret: boolean;
  /** True when `value` is the ciphertext. */
  encrypted: boolean;
  expire_timestamp: string | null;
  created_at: string;
  updated_at: string;
}

/** st2's key_value_pair trigger kinds: create (new key), update (every set of an existing key), value_change, delete. */
export type KvChangeKind = 'create' | 'update' | 'value_change' | 'delete';

export interface KvChange {
  kind: KvChangeKind;
  /** The key after the change (before it, for delete); secrets stay encrypted. */
  pair: KeyValuePair;
  /** For value_change: the key before the change. */
  old?: KeyValuePair;
}

/** Called inside the changing transaction; a hook that throws rolls the change back. */
export type KvHook = (tx: Tx, change: KvChange) => Promise<void>;

export interface DatastoreDeps {
  store: Store;
  now: () => number;
  home: string;
  /** The cipher in use; replaced by rotateKey (and reloaded when another node rotated). */
  keys: { cipher: Cipher };
  onChange: KvHook[];
}

export function createDatastore(store: Store, home: string, now: () => number): DatastoreDeps {
  return { store, now, home, keys: { cipher: cipherForHome(home) }, onChange: [] };
}

export interface KeyAddress {
  scope: KvScope;
  /** Required for the user scope; ignored for system. */
  user?: string | null;
  name: string;
}

export interface SetKeyRequest extends KeyAddress {
  /** A string is stored as is; anything else as JSON. */
  value: unknown;
  secret?: boolean;
  /** Seconds until the key vanishes; absent or null: never. */
  ttl?: number | null;
}

function ownerOf(a: KeyAddress): string {
  if (a.scope === 'system') return '';
  if (!a.user) throw new SquallError('BAD_REQUEST', `a user-scope key needs a user (key ${a.name})`, { field: 'user' });
  return a.user;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function decryptWith(deps: DatastoreDeps, text: string): string {
  try {
    return deps.keys.cipher.decrypt(text);
  } catch {
    // Another node (or `squall key rotate` on this one) may have rotated the key file.
    deps.keys.cipher = cipherForHome(deps.home);
    return deps.keys.cipher.decrypt(text);
  }
}

/** The API view of a stored row; decrypts a secret when `decrypt`. */
export function pairFromRow(deps: DatastoreDeps, r: rows.KvRow, decrypt: boolean): KeyValuePair {
  const secret = r.secret === 1;
  const clear = secret && decrypt ? decryptWith(deps, r.value) : secret ? null : r.value;
  return {
    name: r.name,
    scope: r.scope as KvScope,
    user: r.scope === 'user' ? r.owner : null,
    value: clear === null ? r.value : r.is_json ? JSON.parse(clear) : clear,
    secret,
    encrypted: secret && !decrypt,
    expire_timestamp: iso(r.expire_at),
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
  };
}

async function emit(deps: DatastoreDeps, tx: Tx, change: KvChange): Promise<void> {
  for (const hook of deps.onChange) await hook(tx, change);
}

/** The clear text of a stored row (for comparing old and new values). */
function clearText(deps: DatastoreDeps, r: rows.KvRow): string {
  return r.secret ? decryptWith(deps, r.value) : r.value;
}

/** Checks a set request without touching the store: name, value size, TTL, owner. */
function checkSet(req: SetKeyRequest): void {
  assertKeyName(req.name);
  ownerOf(req);
  assertValueSize(textOf(req.value), req.name);
  if (req.ttl !== undefined && req.ttl !== null && (!Number.isFinite(req.ttl) || req.ttl <= 0)) {
    throw new SquallError('BAD_REQUEST', `ttl must be a positive number of seconds (got ${req.ttl})`, { field: 'ttl' });
  }
}

// A string is stored as is; anything else as JSON.
const textOf = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/** Creates or replaces a key; returns it (a secret encrypted). */
export async function setKey(deps: DatastoreDeps, req: SetKeyRequest, actor: Actor): Promise<KeyValuePair> {
  checkSet(req);
  return deps.store.tx((tx) => setIn(tx, deps, req, actor, deps.now()));
}

/**
 * Creates or replaces every key of `list` in one transaction, or none: the whole list is
 * checked first, and a problem names its entry (`keys[1].name: …`). st2 has no bulk write
 * (`st2 key load` sends one request per key, so a bad entry leaves the ones before it set).
 */
export async function setKeys(deps: DatastoreDeps, list: readonly SetKeyRequest[], actor: Actor): Promise<KeyValuePair[]> {
  const seen = new Map<string, number>();
  for (const [i, req] of list.entries()) {
    await inEntry(i, () => checkSet(req));
    const ref = refOf(req.scope, ownerOf(req), req.name);
    const first = seen.get(ref);
    if (first !== undefined) throw new SquallError('BAD_REQUEST', `keys[${i}].name: key ${ref} is also entry ${first}; give each key once`, { field: `keys.${i}.name` });
    seen.set(ref, i);
  }
  const now = deps.now();
  return deps.store.tx(async (tx) => {
    const out: KeyValuePair[] = [];
    for (const req of list) out.push(await setIn(tx, deps, req, actor, now));
    return out;
  });
}

/** Runs `check` for entry `i` of a list, naming the entry and field in what it throws. */
export async function inEntry<T>(i: number, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (!(err instanceof SquallError)) throw err;
    const field = err.where.field ? `.${err.where.field}` : '';
    throw new SquallError(err.code, `keys[${i}]${field}: ${err.message}`, { field: `keys.${i}${field}` }, { cause: err });
  }
}

async function setIn(tx: Tx, deps: DatastoreDeps, req: SetKeyRequest, actor: Actor, now: number): Promise<KeyValuePair> {
  const owner = ownerOf(req);
  const isJson = typeof req.value !== 'string';
  const text = textOf(req.value);
  const before = await rows.getKvForUpdate(tx, req.scope, owner, req.name);
  const existed = before && (before.expire_at === null || before.expire_at > now) ? before : undefined;
  const row: rows.KvRow = {
    scope: req.scope, owner, name: req.name,
    value: req.secret ? deps.keys.cipher.encrypt(text) : text,
    is_json: isJson ? 1 : 0,
    secret: req.secret ? 1 : 0,
    expire_at: req.ttl ? now + Math.round(req.ttl * 1000) : null,
    created_at: existed ? existed.created_at : now,
    updated_at: now,
  };
  await rows.upsertKv(tx, row);
  const pair = pairFromRow(deps, row, false);
  const valueChanged = existed !== undefined && (clearText(deps, existed) !== text || existed.is_json !== row.is_json);
  // What changed, by name: never the value itself.
  const changes = existed && [
    ...(valueChanged ? ['value'] : []), ...(existed.secret !== row.secret ? ['secret'] : []), ...(existed.expire_at !== row.expire_at ? ['ttl'] : []),
  ];
  await audit(tx, {
    actor, ts: now, action: existed ? 'key.update' : 'key.create', resourceType: 'key', resourceRef: refOf(req.scope, owner, req.name),
    details: { secret: row.secret === 1, ttl: req.ttl ?? null, ...(changes ? { changes } : {}) },
  });
  if (!existed) {
    await emit(deps, tx, { kind: 'create', pair });
    return pair;
  }
  await emit(deps, tx, { kind: 'update', pair });
  if (valueChanged) await emit(deps, tx, { kind: 'value_change', pair, old: pairFromRow(deps, existed, false) });
  return pair;
}

/** 'system.name' or 'user:alice.name': how the audit log and RBAC name a key. */
export function refOf(scope: KvScope, owner: string, name: string): string {
  return scope === 'system' ? `system.${name}` : `user:${owner}.${name}`;
}

export async function getKey(deps: DatastoreDeps, a: KeyAddress, opts: { decrypt: boolean }): Promise<KeyValuePair> {
  const owner = ownerOf(a);
  const row = await deps.store.read((tx) => rows.getKv(tx, a.scope, owner, a.name, deps.now()));
  if (!row) throw new SquallError('KEY_NOT_FOUND', `no key ${a.name} in the ${a.scope} scope${a.scope === 'user' ? ` of ${owner}` : ''}`);
  return pairFromRow(deps, row, opts.decrypt);
}

export interface ListKeysRequest {
  scope: KvScope;
  /** For the user scope: one owner, or null for every user's keys. */
  user: string | null;
  prefix?: string;
  limit: number;
  offset: number;
  decrypt: boolean;
}

export async function listKeys(deps: DatastoreDeps, q: ListKeysRequest): Promise<KeyValuePair[]> {
  const owner = q.scope === 'system' ? '' : q.user;
  const list = await deps.store.read((tx) => rows.listKv(tx, { scope: q.scope, owner, prefix: q.prefix, limit: q.limit, offset: q.offset }, deps.now()));
  return list.map((r) => pairFromRow(deps, r, q.decrypt));
}

export async function deleteKey(deps: DatastoreDeps, a: KeyAddress, actor: Actor): Promise<void> {
  const owner = ownerOf(a);
  const now = deps.now();
  await deps.store.tx(async (tx) => {
    const row = await rows.getKvForUpdate(tx, a.scope, owner, a.name);
    if (!row || (row.expire_at !== null && row.expire_at <= now)) {
      throw new SquallError('KEY_NOT_FOUND', `no key ${a.name} in the ${a.scope} scope${a.scope === 'user' ? ` of ${owner}` : ''}`);
    }
    await rows.deleteKv(tx, a.scope, owner, a.name);
    await audit(tx, { actor, ts: now, action: 'key.delete', resourceType: 'key', resourceRef: refOf(a.scope, owner, a.name) });
    await emit(deps, tx, { kind: 'delete', pair: pairFromRow(deps, row, false) });
  });
}

/** Deletes expired keys (in batches of `batch`); each emits a delete change. Returns how many. */
export async function purgeExpired(deps: DatastoreDeps, batch = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deps.store.tx(async (tx) => {
      const expired = await rows.expiredKv(tx, deps.now(), batch);
      for (const r of expired) {
        // Every node purges; on PostgreSQL the second delete of a row waits for the first
        // and removes nothing, so each expired key fires its delete trigger once.
        if (await rows.deleteKv(tx, r.scope, r.owner, r.name)) await emit(deps, tx, { kind: 'delete', pair: pairFromRow(deps, r, false) });
      }
      return expired.length;
    });
    total += n;
    if (n < batch) return total;
  }
}

/**
 * Re-encrypts every secret under a new key. The new key is written beside the old one
 * first, the values are re-encrypted in one transaction, then the new key replaces the old:
 * a crash at any point leaves every value readable by the keys on disk.
 */
export async function rotateKey(deps: DatastoreDeps, actor: Actor): Promise<{ reencrypted: number; key_id: string }> {
  const key = newKey();
  writePendingKey(deps.home, key);
  const next = createCipher(key, [deps.keys.cipher.current]);
  const count = await deps.store.tx(async (tx) => {
    const secrets = await rows.secretKv(tx);
    for (const r of secrets) await rows.setKvValue(tx, { ...r, value: next.encrypt(decryptWith(deps, r.value)) });
    await audit(tx, { actor, ts: deps.now(), action: 'key.rotate', resourceType: 'datastore', resourceRef: 'datastore.key', details: { reencrypted: secrets.length, key_id: key.id } });
    return secrets.length;
  });
  promotePendingKey(deps.home);
  deps.keys.cipher = createCipher(key);
  return { reencrypted: count, key_id: key.id };
}
