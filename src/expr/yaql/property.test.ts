// Property tests: whatever text arrives (a user's expression, a fuzzed one), compiling and
// evaluating it either yields a value or throws a SquallError EXPR_SYNTAX / EXPR_EVAL,
// never another exception and never a hang (the test's own timeout catches one; the
// evaluation rates are `npm run bench`'s). Runs are bounded to keep the suite fast.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SquallError } from '../../errors.js';
import { compileYaql } from './index.js';

const context = { a: 1, s: 'text', list: [1, 2, 3], hosts: [{ name: 'x', ok: true }], d: { k: 'v' }, n: null };

/** Compiles and evaluates; returns normally or fails the property with the unexpected error. */
function runsCleanly(expr: string): boolean {
  try {
    compileYaql(expr).evaluate(context);
  } catch (err) {
    if (err instanceof SquallError && (err.code === 'EXPR_SYNTAX' || err.code === 'EXPR_EVAL')) return true;
    throw err;
  }
  return true;
}

// Pieces of YAQL, so random sequences reach deep into the parser and standard library
// rather than stopping at the first character.
const TOKENS = [
  '$', '$.a', '$.s', '$.list', '$.hosts', '$.d', '$.n', '$1', '$x', '.', '?.', '(', ')', '[', ']', '{', '}', ',', '=>', '->',
  '+', '-', '*', '/', 'mod', '=', '!=', '<', '>', '<=', '>=', '=~', '!~', 'and', 'or', 'not', 'in',
  '1', '0', '2.5', '-1', "'a'", '"b"', '`c`', "'\\n'", "'\\U11111111'", "'\\u12'", "'\\x4'", '\\', 'true', 'false', 'null', 'a', 'name', 'ok', 'k',
  'select(', 'where(', 'len(', 'str(', 'int(', 'float(', 'dict(', 'list(', 'range(', 'let(', 'switch(', 'format(',
  'split(', 'join(', 'replace(', 'orderBy(', 'groupBy(', 'sum(', 'max(', 'first(', 'get(', 'set(', 'regex(', 'matches(',
  'zip(', 'ctx(', 'toUpper(', 'substring(', 'selectMany(', 'aggregate(', 'flatten(', 'distinct(', 'coalesce(',
];

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 14 }).map((ts) => ts.join(' '));
const tightSoup = fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 14 }).map((ts) => ts.join(''));

describe('any input', () => {
  it('arbitrary strings compile and evaluate or fail with an expression error', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), runsCleanly), { numRuns: 1500 });
  });

  it('arbitrary unicode strings likewise', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), runsCleanly), { numRuns: 500 });
  });

  it('sequences of YAQL tokens likewise', () => {
    fc.assert(fc.property(tokenSoup, runsCleanly), { numRuns: 2000 });
    fc.assert(fc.property(tightSoup, runsCleanly), { numRuns: 2000 });
  });

  it('well-formed method chains over the context evaluate or fail with EXPR_EVAL only', () => {
    const step = fc.constantFrom(
      '.select($)', '.where($)', '.len()', '.first(null)', '.orderBy($)', '.distinct()', '.keys()', '.values()',
      '.toUpper()', ".split(',')", ".join(',')", '.sum()', '.max()', '.reverse()', '.flatten()', '.name', '.a', '[0]', "['k']",
    );
    const chain = fc.tuple(fc.constantFrom('$', '$.list', '$.hosts', '$.s', '$.d', '$.n', '[]', '{}'), fc.array(step, { maxLength: 5 }));
    fc.assert(
      fc.property(chain, ([head, steps]) => {
        const expr = head + steps.join('');
        try {
          compileYaql(expr).evaluate(context);
        } catch (err) {
          expect(err).toBeInstanceOf(SquallError);
          expect((err as SquallError).code).toBe('EXPR_EVAL');
        }
      }),
      { numRuns: 1500 },
    );
  });
});
