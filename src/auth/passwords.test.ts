import { expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.js';

it('hashes with scrypt and a salt; verifies only the right password', async () => {
  const a = await hashPassword('correct horse');
  const b = await hashPassword('correct horse');
  expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
  expect(a).not.toBe(b);
  expect(a).not.toContain('correct horse');
  expect(await verifyPassword('correct horse', a)).toBe(true);
  expect(await verifyPassword('correct horse!', a)).toBe(false);
  expect(await verifyPassword('x', 'plain-text-not-a-hash')).toBe(false);
});
