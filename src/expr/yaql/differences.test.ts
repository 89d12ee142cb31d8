// Where Squall's YAQL deliberately differs from python3-yaql 2.0.0, and why. Each case
// states yaql's own outcome (checked with python3-yaql) beside the value asserted here.
// Most come from JSON having no int/float split, no sets and no lazy iterators.
import { describe, expect, it } from 'vitest';
import { SquallError } from '../../errors.js';
import { compileYaql } from './index.js';

function evaluate(expr: string, data: unknown = null): unknown {
  return compileYaql(expr).evaluate(data);
}

describe('numbers: one JavaScript number type for Python int and float', () => {
  it('integral floats come out as integers (yaql: 3.0, 2.0, 6.0)', () => {
    expect(evaluate('float(3)')).toBe(3);
    expect(evaluate('round(2.5)')).toBe(2);
    expect(evaluate('2 * 3.0')).toBe(6);
  });

  it('a float literal or float() keeps `/` a true division, as yaql', () => {
    expect(evaluate('10 / 4')).toBe(2);
    expect(evaluate('10 / 4.0')).toBe(2.5);
    expect(evaluate('float(10) / 4')).toBe(2.5);
  });

  it('str() of an integral float from data prints as an int (yaql: "1.0" for a Python float)', () => {
    expect(evaluate('str($.x)', JSON.parse('{"x": 1.0}'))).toBe('1');
    expect(evaluate('str(1.0)')).toBe('1.0');
    expect(evaluate("[1.0].join('')")).toBe('1');
  });

  it('integers beyond 2^53 lose precision (Python ints are unbounded)', () => {
    expect(evaluate('9007199254740993 + 0')).toBe(9007199254740992);
  });
});

describe('collections: JSON has lists, not sets, dict views or iterators', () => {
  it('keys() and items() are lists (yaql: a set, and an unprintable set of pairs)', () => {
    expect(evaluate('{a => 1, b => 2}.keys()')).toEqual(['a', 'b']);
    expect(evaluate('{a => 1}.items()')).toEqual([['a', 1]]);
  });

  it('sets are lists of unique items; isSet() is always false (yaql: true for set(…))', () => {
    expect(evaluate('set(1, 2, 1)')).toEqual([1, 2]);
    expect(evaluate('[1, 2, 1].toSet()')).toEqual([1, 2]);
    expect(evaluate('isSet(set(1))')).toBe(false);
  });

  it('set operations accept lists (yaql: only sets; on lists "no method union")', () => {
    expect(evaluate('[1, 2].union([2, 3])')).toEqual([1, 2, 3]);
    expect(evaluate('[1, 2, 2].intersect([2, 3])')).toEqual([2]);
    expect(evaluate('[1, 2].difference([2])')).toEqual([1]);
    expect(evaluate('[1, 2].symmetricDifference([2, 3])')).toEqual([1, 3]);
  });

  it('query results are lists, so they index and compare like lists (yaql: iterators do neither)', () => {
    expect(evaluate('[1, 2].select($)[1]')).toBe(2);
    expect(evaluate('[1, 2].select($) = [1, 2]')).toBe(true);
    // yaql's list() splices iterator arguments in: list([1, 2].select($)) is [1, 2] there.
    expect(evaluate('list([1, 2].select($))')).toEqual([[1, 2]]);
  });

  it('endless generators are not available (yaql: sequence(), cycle(), repeat() without a count)', () => {
    for (const expr of ['sequence(1).take(3)', '[1, 2].cycle().take(3)', '1.repeat(-1)']) {
      expect(() => evaluate(expr)).toThrow(SquallError);
    }
  });

  it('a dict indexed with a number finds the string key (yaql: KeyError, its keys being typed)', () => {
    expect(evaluate('$[1]', { '1': 'one' })).toBe('one');
  });
});

describe('lazy iterators: yaql leaves query results unevaluated until output', () => {
  it('a query result is evaluated at once, so its errors surface here (yaql: `$.l.name = [1]` is false, the lazy map never runs)', () => {
    expect(() => evaluate("$.l.name = [1]", { l: [1] })).toThrow(SquallError);
  });

  it('isList() of a query result is true (yaql: false, it is an iterator)', () => {
    expect(evaluate('isList($.h.name)', { h: [{ name: 'x' }] })).toBe(true);
  });
});

describe('dict key order', () => {
  it('integer-like keys come first, as in every JavaScript object (Python keeps insertion order)', () => {
    // yaql: [1, 2].
    expect(evaluate("{b => 1, '1' => 2}.values()")).toEqual([2, 1]);
  });
});

describe('other differences', () => {
  it('regex() as a result is its pattern text (yaql: a compiled pattern object, not JSON)', () => {
    expect(evaluate("regex('a+', ignoreCase => true)")).toBe('a+');
  });

  it('named groups reach a search() selector as $name (yaql 2.0 fails on them)', () => {
    expect(evaluate("regex('(?P<x>b)').search('abc', $x.value)")).toBe('b');
  });

  it('date and time functions (now(), datetime(), timespan()) are not provided', () => {
    expect(() => evaluate('now()')).toThrow(/unknown function 'now'/);
  });
});
