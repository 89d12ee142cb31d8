// Escape attempts: an expression reads only the data it is given. Object prototypes,
// constructors and JavaScript globals are unreachable whatever the syntax (property,
// index, method, function, format field, dict key, context variable), and nothing an
// expression builds can change Object.prototype.
import { afterEach, describe, expect, it } from 'vitest';
import { SquallError } from '../../errors.js';
import { compileYaql } from './index.js';

type Outcome = { value: unknown } | { error: string };

function outcome(expr: string, data: unknown): Outcome {
  try {
    return { value: compileYaql(expr).evaluate(data) };
  } catch (err) {
    if (err instanceof SquallError) return { error: err.code };
    throw err;
  }
}

const data = { a: 1, s: 'text', list: [{ name: 'x' }], d: new Date(0), nested: { k: 'v' } };

afterEach(() => {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  expect(Object.prototype.hasOwnProperty.call(Array.prototype, 'polluted')).toBe(false);
});

describe('prototype and constructor access', () => {
  it.each([
    '$.constructor',
    '$.nested.constructor',
    "$['constructor']",
    "$['__proto__']",
    "$['toString']",
    "$['hasOwnProperty']",
    '$.s.constructor',
    '$.s.length',
    '$.a.constructor',
    '$.list.constructor',
    '$.d.getTime',
    "$.nested['__proto__']['constructor']",
    '$.list[0].constructor',
    "$.list['constructor']",
    "$.list['length']",
    '$.list.length',
  ])('%s is an evaluation error', (expr) => {
    expect(outcome(expr, data)).toEqual({ error: 'EXPR_EVAL' });
  });

  it.each([
    "$.get('constructor')",
    "$.get('__proto__')",
    "$.get('toString')",
    "$.nested.get('valueOf')",
    '$constructor',
    '$__proto__',
    '$toString',
  ])('%s is null: only own keys exist', (expr) => {
    expect(outcome(expr, data)).toEqual({ value: null });
  });

  it.each([
    ["$.containsKey('constructor')", false],
    ["$.containsKey('__proto__')", false],
    ["'constructor' in $.keys()", false],
    ['$.keys()', ['a', 's', 'list', 'd', 'nested']],
  ])('%s', (expr, expected) => {
    expect(outcome(expr, data)).toEqual({ value: expected });
  });

  it('a bare __proto__ is not even a token', () => {
    expect(outcome('$.__proto__', data)).toEqual({ error: 'EXPR_SYNTAX' });
    expect(outcome('dict(__proto__ => 1)', data)).toEqual({ error: 'EXPR_SYNTAX' });
  });
});

describe('methods and functions of the JavaScript runtime', () => {
  it.each([
    '$.toString()',
    '$.valueOf()',
    "$.hasOwnProperty('a')",
    '$.s.toUpperCase()',
    "$.s.constructor('return process')",
    "$.list.map($.name)",
    '$.list.constructor.constructor()',
    '$.d.getTime()',
    "toString()",
    "constructor('return 1')",
    "Function('return process')",
    "eval('1')",
    "require('fs')",
    'process()',
    'globalThis()',
    "hasOwnProperty('a')",
    "__defineGetter__('a', 1)",
    "__proto__()",
    "import('fs')",
  ])('%s cannot run', (expr) => {
    const r = outcome(expr, data);
    // `$.list.map($.name)` is yaql's map(), an alias of select: allowed, and harmless.
    if (expr === '$.list.map($.name)') expect(r).toEqual({ value: ['x'] });
    else expect(r).toHaveProperty('error');
  });

  it('a format field cannot reach attributes of values', () => {
    for (const expr of ["'{0.constructor}'.format($)", "'{0.__class__}'.format('a')", "'{0[constructor]}'.format($)", "'{0.length}'.format('abc')", "'{0.toString}'.format($.list)"]) {
      expect(outcome(expr, data)).toEqual({ error: 'EXPR_EVAL' });
    }
    expect(outcome("'{0[k]}'.format($.nested)", data)).toEqual({ value: 'v' });
  });
});

describe('building values cannot pollute prototypes', () => {
  it.each([
    "dict('__proto__' => dict(polluted => 1))",
    "{'__proto__' => {polluted => 1}}",
    "{}.set('__proto__', {polluted => 1})",
    "{}.set({'__proto__' => {polluted => 1}})",
    "{}.mergeWith({'__proto__' => {polluted => 1}})",
    "[['__proto__', {polluted => 1}]].toDict($[0], $[1])",
    "dict([['__proto__', {polluted => 1}]])",
    "{a => 1} + {'__proto__' => {polluted => 1}}",
  ])('%s makes an own key "__proto__" and nothing else', (expr) => {
    const r = outcome(expr, data) as { value: Record<string, unknown> };
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(r.value, '__proto__')).toBe(true);
    expect(JSON.stringify(r.value)).toContain('"__proto__":{"polluted":1}');
    expect((r.value as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('let() with an expression key does not create JavaScript-level variables', () => {
    expect(outcome("let('constructor' => 1) -> $constructor", data)).toHaveProperty('error');
    expect(outcome('let(x => 1) -> $constructor', data)).toEqual({ value: null });
  });

  it('input data is never modified', () => {
    const input = { a: { b: [1, 2] }, c: [3, 1, 2] };
    const before = JSON.stringify(input);
    for (const expr of ['$.c.orderBy($)', "$.a.set(b, 1)", '$.c.reverse()', '$.a.mergeWith({b => [3]})', "$.a.delete(b)", '$.c.insert(0, 9)']) {
      compileYaql(expr).evaluate(input);
    }
    expect(JSON.stringify(input)).toBe(before);
  });
});
