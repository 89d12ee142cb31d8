import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createDatastore, deleteKey, getKey, kvReader, listKeys, purgeExpired, referencedKeys, rotateKey, setKey,
  MAX_VALUE_BYTES, type DatastoreDeps, type KvChange,
} from '../src/datastore/index.js';
import { keyFile } from '../src/datastore/crypto.js';
import { hasCode } from '../src/errors.js';
import { listAudit } from '../src/auth/audit.js';
import { describeBackends } from './helpers/backends.js';

const homes: string[] = [];
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
const admin = { user: 'admin', address: '127.0.0.1' };

describeBackends('datastore', ({ open }) => {
  let ds: DatastoreDeps;
  let clock: number;
  let changes: KvChange[];
  beforeEach(async () => {
    const home = mkdtempSync(join(tmpdir(), 'squall-ds-'));
    homes.push(home);
    clock = 1_800_000_000_000;
    ds = createDatastore(await open(), home, () => clock);
    changes = [];
    ds.onChange.push(async (_tx, c) => void changes.push(c));
  });

  it('stores strings and JSON, per scope and per user', async () => {
    await setKey(ds, { scope: 'system', name: 'build.number', value: '41' }, admin);
    await setKey(ds, { scope: 'system', name: 'cfg', value: { a: [1, 2] } }, admin);
    await setKey(ds, { scope: 'user', user: 'alice', name: 'build.number', value: 'mine' }, admin);
    expect((await getKey(ds, { scope: 'system', name: 'build.number' }, { decrypt: false })).value).toBe('41');
    expect((await getKey(ds, { scope: 'system', name: 'cfg' }, { decrypt: false })).value).toEqual({ a: [1, 2] });
    const mine = await getKey(ds, { scope: 'user', user: 'alice', name: 'build.number' }, { decrypt: false });
    expect(mine).toMatchObject({ value: 'mine', user: 'alice', scope: 'user' });
    await expect(getKey(ds, { scope: 'user', user: 'bob', name: 'build.number' }, { decrypt: false })).rejects.toSatisfy((e) => hasCode(e, 'KEY_NOT_FOUND'));
  });

  it('lists by prefix without matching look-alikes (_ is not a wildcard)', async () => {
    for (const n of ['app.a', 'app.b', 'app_x', 'apple', 'appxa', 'bpp.a']) await setKey(ds, { scope: 'system', name: n, value: n }, admin);
    const names = async (prefix: string) => (await listKeys(ds, { scope: 'system', user: null, prefix, limit: 100, offset: 0, decrypt: false })).map((p) => p.name);
    expect(await names('app.')).toEqual(['app.a', 'app.b']);
    expect(await names('app_')).toEqual(['app_x']);
    expect(await names('')).toHaveLength(6);
  });

  it('hides expired keys from every read and purges them with a delete change', async () => {
    await setKey(ds, { scope: 'system', name: 'short', value: 'v', ttl: 10 }, admin);
    expect((await getKey(ds, { scope: 'system', name: 'short' }, { decrypt: false })).expire_timestamp).toBe(new Date(clock + 10_000).toISOString());
    clock += 10_001;
    await expect(getKey(ds, { scope: 'system', name: 'short' }, { decrypt: false })).rejects.toSatisfy((e) => hasCode(e, 'KEY_NOT_FOUND'));
    expect(await listKeys(ds, { scope: 'system', user: null, limit: 10, offset: 0, decrypt: false })).toEqual([]);
    expect(await kvReader(ds, async () => true)(null, null, ['system.short'], (kv) => kv('system.short', { decrypt: false }))).toBeUndefined();
    changes = [];
    expect(await purgeExpired(ds)).toBe(1);
    expect(changes.map((c) => c.kind)).toEqual(['delete']);
    // Setting an expired key again is a create, not an update.
    await setKey(ds, { scope: 'system', name: 'short', value: 'v2' }, admin);
    expect(changes.map((c) => c.kind)).toEqual(['delete', 'create']);
  });

  it('encrypts secrets at rest and decrypts only when asked', async () => {
    const secret = 'hunter2-very-secret';
    await setKey(ds, { scope: 'system', name: 'db.password', value: secret, secret: true }, admin);
    const raw = await ds.store.read((tx) => tx.get<{ value: string }>('select value from kv_pairs where name = $1', ['db.password']));
    expect(raw!.value).not.toContain(secret);
    expect(raw!.value).toMatch(/^sqk1:/);
    const plain = await getKey(ds, { scope: 'system', name: 'db.password' }, { decrypt: false });
    expect(plain).toMatchObject({ secret: true, encrypted: true });
    expect(JSON.stringify(plain)).not.toContain(secret);
    expect((await getKey(ds, { scope: 'system', name: 'db.password' }, { decrypt: true })).value).toBe(secret);
    const file = keyFile(ds.home);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The audit and the change hooks carry no clear value.
    const entries = await ds.store.read((tx) => listAudit(tx, { limit: 10, offset: 0 }));
    expect(JSON.stringify(entries)).not.toContain(secret);
    expect(JSON.stringify(changes)).not.toContain(secret);
  });

  it('rotates the key: every secret re-encrypted and still readable, the old key gone', async () => {
    await setKey(ds, { scope: 'system', name: 's1', value: 'one', secret: true }, admin);
    await setKey(ds, { scope: 'user', user: 'alice', name: 's2', value: { n: 2 }, secret: true }, admin);
    const before = readFileSync(keyFile(ds.home), 'utf8');
    const r = await rotateKey(ds, admin);
    expect(r.reencrypted).toBe(2);
    expect(readFileSync(keyFile(ds.home), 'utf8')).not.toBe(before);
    expect(existsSync(keyFile(ds.home) + '.new')).toBe(false);
    expect((await getKey(ds, { scope: 'system', name: 's1' }, { decrypt: true })).value).toBe('one');
    // A fresh node reading the key file (no memory of the old key) decrypts too.
    const other = createDatastore(ds.store, ds.home, () => clock);
    expect((await getKey(other, { scope: 'user', user: 'alice', name: 's2' }, { decrypt: true })).value).toEqual({ n: 2 });
  });

  it('emits create, update, value_change and delete like st2', async () => {
    await setKey(ds, { scope: 'system', name: 'k', value: 'a' }, admin);
    await setKey(ds, { scope: 'system', name: 'k', value: 'a' }, admin);
    await setKey(ds, { scope: 'system', name: 'k', value: 'b' }, admin);
    await deleteKey(ds, { scope: 'system', name: 'k' }, admin);
    expect(changes.map((c) => c.kind)).toEqual(['create', 'update', 'update', 'value_change', 'delete']);
    expect(changes[3]).toMatchObject({ old: { value: 'a' }, pair: { value: 'b' } });
  });

  it('rejects invalid names and oversized values, changing nothing', async () => {
    for (const bad of ['', ' spaced', '.hidden', 'a b', 'x'.repeat(256), 'tab\tname', 'ünï']) {
      await expect(setKey(ds, { scope: 'system', name: bad, value: 'v' }, admin)).rejects.toSatisfy((e) => hasCode(e, 'KEY_NAME_INVALID'));
    }
    await expect(setKey(ds, { scope: 'system', name: 'big', value: 'x'.repeat(MAX_VALUE_BYTES + 1) }, admin)).rejects.toSatisfy((e) => hasCode(e, 'KEY_VALUE_TOO_LARGE'));
    await setKey(ds, { scope: 'system', name: 'fits', value: 'x'.repeat(MAX_VALUE_BYTES) }, admin);
    expect((await listKeys(ds, { scope: 'system', user: null, limit: 10, offset: 0, decrypt: false })).map((p) => p.name)).toEqual(['fits']);
    expect(changes).toHaveLength(1);
  });

  it('feeds expressions: referenced keys preloaded, secrets decrypted only when allowed', async () => {
    await setKey(ds, { scope: 'system', name: 'channel', value: '#ops' }, admin);
    await setKey(ds, { scope: 'system', name: 'token', value: 'tok-123', secret: true }, admin);
    await setKey(ds, { scope: 'user', user: 'alice', name: 'pref', value: 'dark' }, admin);
    const names = referencedKeys('{{ st2kv.system.channel }} {{ st2kv.user.pref }}', "<% st2kv('system.token', decrypt => true) %>");
    expect(names).toEqual(expect.arrayContaining(['system.channel', 'user.pref', 'system.token']));
    await kvReader(ds, async () => true)(null, 'alice', names, (allowed) => {
      expect(allowed('system.channel', { decrypt: false })).toBe('#ops');
      expect(allowed('user.pref', { decrypt: false })).toBe('dark');
      expect(allowed('system.token', { decrypt: true })).toBe('tok-123');
      expect(allowed('system.token', { decrypt: false })).toMatch(/^sqk1:/);
    });
    await kvReader(ds, async () => false)(null, 'bob', names, (denied) => {
      expect(() => denied('system.token', { decrypt: true })).toThrow(/user bob may not decrypt system.token/);
      expect(denied('user.pref', { decrypt: false })).toBeUndefined();
    });
  });

  it('loads keys named only at run time, then evaluates again', async () => {
    await setKey(ds, { scope: 'system', name: 'pointer', value: 'target' }, admin);
    await setKey(ds, { scope: 'system', name: 'target', value: 'found' }, admin);
    const passes: Array<{ again: boolean; seen: unknown }> = [];
    const out = await kvReader(ds, async () => false)(null, null, ['system.pointer'], (kv, again) => {
      // The name of the second key comes from the value of the first.
      const seen = kv(`system.${String(kv('system.pointer', { decrypt: false }))}`, { decrypt: false });
      passes.push({ again, seen });
      return seen;
    });
    expect(out).toBe('found');
    // The first pass saw null for the key not loaded yet and did not count.
    expect(passes).toEqual([{ again: false, seen: null }, { again: true, seen: 'found' }]);
  });
});

describe('referencedKeys', () => {
  it('offers every prefix of a dotted reference', () => {
    expect(referencedKeys('{{ st2kv.system.a.b }}').sort()).toEqual(['system.a', 'system.a.b']);
  });
});
