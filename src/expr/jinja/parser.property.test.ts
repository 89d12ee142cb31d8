// Property: whatever text arrives, compiling and rendering it either succeeds or fails with a
// typed expression error (EXPR_SYNTAX / EXPR_EVAL), and never hangs (the test's own timeout
// catches a hang; how fast the parser is, `npm run bench` measures).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SquallError } from '../../errors.js';
import { compileJinjaExpression, compileJinjaTemplate } from './index.js';

const PIECES = [
  '{{', '}}', '{%', '%}', '{#', '#}', '{{-', '-}}', '{%-', '-%}', '(', ')', '[', ']', '{', '}', ',', '.', ':', '|', '~',
  '+', '-', '*', '/', '//', '%', '**', '==', '!=', '<', '>=', '=', ' ', '\n', "'", '"', '\\', 'if', 'else', 'elif', 'endif',
  'for', 'in', 'endfor', 'set', 'endset', 'raw', 'endraw', 'macro', 'endmacro', 'with', 'endwith', 'filter', 'endfilter',
  'not', 'and', 'or', 'is', 'defined', 'none', 'true', 'a', 'b', 'l', 'd', 'loop', 'range', 'namespace', 'ctx', 'x',
  '0', '1', '2.5', '1e3', '-1', 'length', 'join', 'default', 'map', 'select', 'sort', 'upper', 'split', 'items',
  'format', 'int', 'tojson', 'constructor', '__proto__', 'attribute=', 'batch', 'regex_replace',
];

const DATA = { a: 1, b: 'two', l: [3, 1, 2], d: { x: { y: [1] } } };

function outcome(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SquallError);
    expect(['EXPR_SYNTAX', 'EXPR_EVAL']).toContain((err as SquallError).code);
    // A JS TypeError or ReferenceError underneath would be a bug wrapped up, not a template error.
    const cause = (err as SquallError).cause;
    expect(cause instanceof TypeError || cause instanceof ReferenceError).toBe(false);
  }
}

const tokenSoup = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((p) => p.join(''));
const anyText = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), tokenSoup);

describe('the Jinja parser and evaluator on arbitrary input', () => {
  it('templates: only typed expression errors', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        outcome(() => compileJinjaTemplate(text).render(DATA));
      }),
      { numRuns: 3_000 },
    );
  });

  it('bare expressions: only typed expression errors', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        outcome(() => compileJinjaExpression(text).evaluate(DATA));
      }),
      { numRuns: 3_000 },
    );
  });

  it('well-formed expressions over mixed types: only typed expression errors', () => {
    const operand = fc.constantFrom('a', 'b', 'l', 'd', 'd.x', 'd.x.y', 'l[0]', 'l[-1:]', 'none', '"s"', '1.5', '0', 'true',
      '[1, "a", none]', '{"k": 1}', 'range(3)', 'd.items()', 'b.split("w")', 'missing', 'd.missing', '()');
    const op = fc.constantFrom('+', '-', '*', '/', '//', '%', '**', '~', '==', '<', '>=', 'in', 'not in', 'and', 'or', 'is defined and', 'if');
    const filter = fc.constantFrom('', '|length', '|first', '|last', '|sort', '|join(",")', '|int', '|float', '|string', '|list',
      '|upper', '|default(1)', '|tojson', '|to_yaml_string', '|unique', '|sum', '|min', '|reverse', '|dictsort', '|items',
      '|map("upper")|list', '|select("odd")|list', '|batch(2)|list', '|round(1)', '|abs', '|title', '|format(1)', '|from_json_string',
      '|regex_replace("a", "b")', '|version_bump_minor', '|to_human_time_from_seconds', '|groupby("x")', '|selectattr("x")|list');
    fc.assert(
      fc.property(operand, op, operand, filter, (x, o, y, f) => {
        const expr = o === 'if' ? `${x} if ${y} else ${x}${f}` : `(${x} ${o} ${y})${f}`;
        outcome(() => compileJinjaExpression(expr).evaluate(DATA));
        outcome(() => compileJinjaTemplate(`{% for i in ${y}${f} %}{{ i }}{% else %}{{ ${expr} }}{% endfor %}`).render(DATA));
      }),
      { numRuns: 1_000 },
    );
  });

  it('deep nesting fails with EXPR_SYNTAX instead of exhausting the stack', () => {
    for (const text of ['('.repeat(5_000) + '1' + ')'.repeat(5_000), '[' .repeat(5_000), '-'.repeat(5_000) + '1', 'not '.repeat(5_000) + 'a']) {
      outcome(() => compileJinjaExpression(text).evaluate(DATA));
    }
    expect(() => compileJinjaExpression('('.repeat(5_000) + '1' + ')'.repeat(5_000))).toThrow(/nested too deeply/);
  });
});
