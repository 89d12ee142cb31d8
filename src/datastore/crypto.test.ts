import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cipherForHome, createCipher, keyFile, newKey, promotePendingKey, writePendingKey } from './crypto.js';

const homes: string[] = [];
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
const home = () => {
  const h = mkdtempSync(join(tmpdir(), 'squall-crypto-'));
  homes.push(h);
  return h;
};

it('round-trips with a fresh IV each time; the key file is created once, mode 0600', () => {
  const h = home();
  const c = cipherForHome(h);
  expect(statSync(keyFile(h)).mode & 0o777).toBe(0o600);
  const a = c.encrypt('hello');
  expect(a).not.toBe(c.encrypt('hello'));
  expect(a).not.toContain('hello');
  expect(cipherForHome(h).decrypt(a)).toBe('hello');
});

it('refuses altered ciphertext and ciphertext from another key', () => {
  const c = createCipher(newKey());
  const parts = c.encrypt('transfer 10').split(':');
  const data = Buffer.from(parts[4]!, 'base64url');
  data[0] = data[0]! ^ 1;
  parts[4] = data.toString('base64url');
  expect(() => c.decrypt(parts.join(':'))).toThrow(/integrity check/);
  expect(() => createCipher(newKey()).decrypt(c.encrypt('x'))).toThrow(/key this node does not have/);
});

it('an interrupted rotation leaves both keys readable; promotion keeps only the new one', () => {
  const h = home();
  const old = cipherForHome(h);
  const before = old.encrypt('old value');
  const next = newKey();
  writePendingKey(h, next);
  const during = cipherForHome(h);
  const after = createCipher(next).encrypt('new value');
  expect(during.decrypt(before)).toBe('old value');
  expect(during.decrypt(after)).toBe('new value');
  promotePendingKey(h);
  expect(existsSync(keyFile(h) + '.new')).toBe(false);
  expect(cipherForHome(h).current.id).toBe(next.id);
});
