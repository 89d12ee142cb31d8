// The README's error table and src/errors.ts list the same codes with the same statuses and hints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { codes } from '../src/errors.js';

it('documents every error code in the README, and nothing else', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const section = readme.split('## Errors')[1]!.split('\n## ')[0]!;
  const rows = [...section.matchAll(/^\| ([A-Z_]+) \| (\d+) \| (.+) \|$/gm)].map((m) => [m[1], Number(m[2]), m[3]]);
  const expected = Object.entries(codes).map(([code, c]) => [code, c.status, c.hint]);
  expect(rows.sort()).toEqual(expected.sort());
});
