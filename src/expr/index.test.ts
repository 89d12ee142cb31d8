// The shared expression API: typed values, text rendering, language detection, st2kv, host
// functions, error codes and positions, and parse-once caching.
import { describe, expect, it } from 'vitest';
import { SquallError } from '../errors.js';
import { detectLang, evaluateExpression, renderValue, type EvalEnv } from './index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof SquallError ? err.code : 'not a SquallError';
  }
  return undefined;
}

const kvStore: Record<string, unknown> = {
  'system.channel': '#ops', 'system.cfg': '{"n": 3}', 'user.token': 'ENC(abc)', 'system.a.b': 'dotted', 'system.obj': { k: 'item of a typed value' },
};
const env: EvalEnv = {
  kv: (key, { decrypt }) => {
    const v = kvStore[key];
    return typeof v === 'string' && decrypt && v.startsWith('ENC(') ? v.slice(4, -1) : v;
  },
  functions: { task: (_root, args) => ({ name: args[0], result: { ok: true } }) },
};

describe('detectLang', () => {
  it.each([
    ['<% $.a %>', 'yaql'],
    ['x <% $.a %> y', 'yaql'],
    ['{{ a }}', 'jinja'],
    ['{% if a %}x{% endif %}', 'jinja'],
    ['plain text', null],
    ['100% sure <%', null],
    ['{ not: jinja }', null],
  ] as const)('%s → %s', (s, lang) => {
    expect(detectLang(s)).toBe(lang);
  });
});

describe('evaluateExpression (jinja)', () => {
  it('returns typed values', () => {
    expect(evaluateExpression('jinja', 'ctx().a + 1', { a: 1 })).toBe(2);
    expect(evaluateExpression('jinja', 'ctx("a")', { a: [1] })).toEqual([1]);
    expect(evaluateExpression('jinja', 'a.b', { a: { b: null } })).toBeNull();
    expect(evaluateExpression('jinja', "{'k': [1, 2.5, true, none]}", {})).toEqual({ k: [1, 2.5, true, null] });
    expect(evaluateExpression('jinja', 'd.items() | list', { d: { x: 1 } })).toEqual([['x', 1]]);
  });

  it('keeps Python floats as floats in text but returns plain numbers', () => {
    expect(evaluateExpression('jinja', '4 / 2', {})).toBe(2);
    expect(evaluateExpression('jinja', '[1.0, {"a": 2.0}]', {})).toEqual([1, { a: 2 }]);
    expect(evaluateExpression('jinja', '(4 / 2) ~ "|" ~ (x | float) ~ "|" ~ (2.5 | round)', { x: 1 })).toBe('2.0|1.0|2.0');
    expect(evaluateExpression('jinja', '(4 / 2) | tojson', {})).toBe('2.0');
    const list: unknown[] = [];
    evaluateExpression('jinja', 'l.append(1.0)', { l: list });
    // Data handed back to the host holds plain numbers, never template-internal boxes.
    expect(list).toEqual([1]);
    expect(typeof list[0]).toBe('number');
  });

  it('reads top-level variables from the data and st2kv from env.kv', () => {
    expect(evaluateExpression('jinja', 'trigger.body.x * 2', { trigger: { body: { x: 21 } } })).toBe(42);
    expect(evaluateExpression('jinja', 'st2kv.system.channel', {}, env)).toBe('#ops');
    expect(evaluateExpression('jinja', 'st2kv.system.cfg | from_json_string', {}, env)).toEqual({ n: 3 });
    expect(evaluateExpression('jinja', "st2kv('system.channel')", {}, env)).toBe('#ops');
    expect(evaluateExpression('jinja', 'st2kv.system.a.b', {}, env)).toBe('dotted');
    expect(evaluateExpression('jinja', 'st2kv.system.obj.k', {}, env)).toBe('item of a typed value');
    // A missing key: '' through st2kv.system.x (st2's KeyValueLookup), an error naming it
    // through st2kv('…') unless a default is given (st2's st2kv function).
    expect(evaluateExpression('jinja', 'st2kv.system.missing', {}, env)).toBe('');
    expect(() => evaluateExpression('jinja', "st2kv('system.missing')", {}, env)).toThrow(/the key "system.missing" does not exist/);
    expect(evaluateExpression('jinja', "st2kv('system.missing', default='d')", {}, env)).toBe('d');
    expect(evaluateExpression('yaql', "st2kv('system.missing', default => null)", {}, env)).toBeNull();
    expect(evaluateExpression('jinja', 'st2kv.user.token | decrypt_kv', {}, env)).toBe('abc');
    expect(evaluateExpression('jinja', 'st2kv.x', { st2kv: { x: 'from data' } }, env)).toBe('from data');
  });

  it('calls host functions and st2 filters as functions (Orquesta style)', () => {
    expect(evaluateExpression('jinja', "task('t1').result.ok", {}, env)).toBe(true);
    expect(evaluateExpression('jinja', "to_json_string({'a': 1})", {})).toBe('{"a": 1}');
    expect(evaluateExpression('jinja', "zip([1, 2], ['a'])", {})).toEqual([[1, 'a'], [2, null]]);
    expect(evaluateExpression('jinja', "json('[1]')", {})).toEqual([1]);
  });

  it('raises EXPR_SYNTAX with line and column, EXPR_EVAL for undefined and type errors', () => {
    const err = (() => {
      try {
        evaluateExpression('jinja', 'a +', {});
      } catch (e) {
        return e as SquallError;
      }
    })();
    expect(err?.code).toBe('EXPR_SYNTAX');
    expect(err?.message).toMatch(/^line 1 column \d+: /);
    expect(err?.where.line).toBe(1);
    expect(codeOf(() => evaluateExpression('jinja', 'missing', {}))).toBe('EXPR_EVAL');
    expect(codeOf(() => evaluateExpression('jinja', 'a.b.c', { a: {} }))).toBe('EXPR_EVAL');
    expect(codeOf(() => evaluateExpression('jinja', '1 + "x"', {}))).toBe('EXPR_EVAL');
    expect(codeOf(() => evaluateExpression('jinja', "ctx('nope')", {}))).toBe('EXPR_EVAL');
    expect(codeOf(() => evaluateExpression('jinja', 'st2kv.system.k', {}))).toBe('EXPR_EVAL');
  });
});

describe('renderValue', () => {
  const data = { a: 1, name: 'web', list: [1, 2], payload: '{{ a }}', n: null };

  it('yields the typed value of a string that is exactly one expression', () => {
    expect(renderValue('{{ a }}', data)).toBe(1);
    expect(renderValue('{{ list }}', data)).toEqual([1, 2]);
    expect(renderValue('{{ n }}', data)).toBeNull();
    expect(renderValue('<% $.list %>', data)).toEqual([1, 2]);
  });

  it('yields a string when text surrounds expressions or there are several', () => {
    expect(renderValue('host-{{ name }}', data)).toBe('host-web');
    expect(renderValue('{{ a }}{{ a }}', data)).toBe('11');
    expect(renderValue('{{ a }}\n', data)).toBe('1');
    expect(renderValue(' {{ a }}', data)).toBe(' 1');
    expect(renderValue('{{ list }} items', data)).toBe('[1, 2] items');
    expect(renderValue('{% if a %}yes{% endif %}', data)).toBe('yes');
    expect(renderValue('n=<% $.a %>, l=<% $.list %>', data)).toBe('n=1, l=[1, 2]');
  });

  it('walks arrays and objects and leaves other values alone', () => {
    expect(renderValue({ x: ['{{ a }}', 'plain', 3, true, null], y: { z: '<% $.name %>' } }, data))
      .toEqual({ x: [1, 'plain', 3, true, null], y: { z: 'web' } });
  });

  it('never renders data twice', () => {
    expect(renderValue('{{ payload }}', data)).toBe('{{ a }}');
    expect(renderValue('x {{ payload }}', data)).toBe('x {{ a }}');
  });

  it("turns st2's use_none marker back into null", () => {
    expect(renderValue('{{ n | use_none }}', data)).toBeNull();
  });

  it('renders raw blocks literally', () => {
    expect(renderValue('{% raw %}{{ a }}{% endraw %}', data)).toBe('{{ a }}');
  });
});
