// The specialised checks agree with the generic st2 operators on any JSON value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastTest, passesFast } from './fast-tests.js';
import { compilePattern, operators, regexModes } from './operators.js';

const generic = (type: string, value: unknown, pattern: unknown) => {
  try {
    return operators[type]!(value, pattern, { now: 0 });
  } catch {
    return false;
  }
};

const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'A', 'ab', 'Ab', ''), fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), scalar, { maxKeys: 2 }), fc.constant(undefined));

describe('fast tests', () => {
  const types = ['equals', 'nequals', 'iequals', 'startswith', 'istartswith', 'endswith', 'iendswith', 'icontains', 'incontains', 'contains', 'ncontains',
    'greaterthan', 'lessthan', 'exists', 'nexists', 'eq', 'neq', 'gt', 'lt', 'matchregex', 'regex', 'iregex', 'matchwildcard'];
  it.each(types)('%s agrees with the generic operator', (type) => {
    fc.assert(fc.property(value, scalar, (v, p) => {
      const mode = regexModes[type];
      const stripped = typeof p === 'string' ? p.replace(/[()[\]\\*+?{}|^$.]/g, '') : p;
      const regex = mode && typeof stripped === 'string' ? compilePattern(stripped, mode) : null;
      const pattern = regex ? stripped : p;
      if (mode && !regex) return;
      const fast = fastTest(type, pattern, regex);
      if (fast) expect(passesFast(fast, v)).toBe(generic(type, v, regex ?? pattern));
    }), { numRuns: 300 });
  });
});
