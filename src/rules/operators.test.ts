// Every st2 criteria operator, with the outcomes st2common/operators.py gives (a Python
// TypeError there is `false` here).
import { describe, expect, it } from 'vitest';
import { operators, OPERATOR_NAMES } from './operators.js';

const ctx = { now: Date.parse('2026-01-01T00:10:00Z') };
const op = (name: string, value: unknown, pattern: unknown) => {
  try {
    return operators[name]!(value, pattern, ctx);
  } catch {
    // st2 catches the operator's exception and counts the criterion as failed.
    return false;
  }
};

describe('st2 criteria operators', () => {
  const cases: Array<[string, unknown, unknown, boolean]> = [
    ['equals', 'critical', 'critical', true], ['equals', 1, 1.0, true], ['equals', true, 1, true], ['equals', '1', 1, false],
    ['equals', { a: [1, 2] }, { a: [1, 2] }, true], ['equals', null, null, false], ['eq', 'x', 'x', true],
    ['nequals', 'a', 'b', true], ['nequals', 'a', 'a', false], ['nequals', null, null, false], ['neq', 1, 2, true],
    ['iequals', 'CrItical', 'critical', true], ['iequals', 5, '5', false], ['ieq', 'A', 'a', true],
    ['lessthan', 3, 5, true], ['lessthan', 5, 3, false], ['lessthan', '3', 5, false], ['lessthan', 'a', 'b', true], ['lt', 1, 2, true],
    ['greaterthan', 21.5, 20, true], ['greaterthan', null, 20, false], ['gt', 3, 2, true],
    ['matchwildcard', 'web-01.prod', 'web-*.prod', true], ['matchwildcard', 'db-01', 'web-*', false], ['matchwildcard', 'a1', 'a[0-9]', true],
    ['matchwildcard', 'ab', 'a[!b]', false], ['matchwildcard', 'Web-1', 'web-*', false],
    ['matchregex', 'error: disk full', 'error.*full', true], ['matchregex', 'an error', 'error', false], ['matchregex', 'a\nb', 'a.b', true],
    ['regex', 'an error', 'error', true], ['regex', 'an error', '^error', false], ['regex', 'abc', '(?P<x>b)', true],
    ['iregex', 'AN ERROR', 'error', true],
    ['contains', 'disk full', 'full', true], ['contains', ['a', 'b'], 'b', true], ['contains', { k: 1 }, 'k', true], ['contains', 'x', null, false],
    ['ncontains', 'disk full', 'ok', true], ['ncontains', ['a'], 'a', false],
    ['icontains', 'Disk FULL', 'full', true], ['incontains', 'Disk FULL', 'ok', true], ['incontains', 'Disk FULL', 'disk', false],
    ['startswith', 'web-01', 'web', true], ['istartswith', 'WEB-01', 'web', true], ['startswith', 5, 'x', false],
    ['endswith', 'host.prod', '.prod', true], ['iendswith', 'HOST.PROD', '.prod', true],
    ['timediff_lt', '2026-01-01T00:09:30Z', 60, true], ['timediff_lt', '2026-01-01T00:00:00', 60, false],
    ['timediff_gt', '2026-01-01 00:00:00', 300, true], ['td_gt', '2026-01-01T00:09:59Z', 300, false], ['td_lt', 'not a date', 60, false],
    ['exists', 0, null, true], ['exists', null, null, false], ['exists', undefined, null, false],
    ['nexists', undefined, null, true], ['nexists', '', null, false],
    ['inside', 'b', ['a', 'b'], true], ['inside', 'ell', 'hello', true], ['in', 'z', ['a'], false], ['inside', 'a', null, false],
    ['ninside', 'z', ['a', 'b'], true], ['nin', 'a', ['a'], false],
  ];
  it.each(cases)('%s(%j, %j) is %s', (name, value, pattern, expected) => {
    expect(op(name, value, pattern)).toBe(expected);
  });

  it('covers every operator st2 documents', () => {
    const st2 = ['equals', 'nequals', 'lessthan', 'greaterthan', 'matchwildcard', 'matchregex', 'regex', 'iequals', 'contains',
      'ncontains', 'icontains', 'incontains', 'startswith', 'istartswith', 'endswith', 'iendswith', 'timediff_lt', 'timediff_gt',
      'exists', 'nexists', 'inside', 'ninside', 'search'];
    for (const name of st2) expect(OPERATOR_NAMES).toContain(name);
    for (const name of st2.filter((n) => n !== 'search')) expect(new Set(cases.map((c) => c[0]))).toContain(name);
  });

  it('a pattern that is null fails every operator but nequals, exists and nexists (st2)', () => {
    for (const name of Object.keys(operators)) {
      const expected = ['nequals', 'neq', 'exists', 'nexists'].includes(name) ? expect.any(Boolean) : false;
      expect(op(name, 'x', null)).toEqual(expected);
    }
  });
});
