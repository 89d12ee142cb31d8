// STYLE.md's import rule, checked on every test run: the domain reaches for no edge.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { findViolations } from '../scripts/check-imports.js';

it('keeps the domain free of HTTP, database drivers, processes and edge modules', () => {
  expect(findViolations(join(import.meta.dirname, '..', 'src'))).toEqual([]);
});
