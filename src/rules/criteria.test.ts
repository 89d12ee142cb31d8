// Criteria: st2 maps, payload paths, templated patterns, search, and any/all/not groups.
import { describe, expect, it } from 'vitest';
import { renderValue } from '../expr/index.js';
import { compileCriteria, evalGroup, firstFailure, type Trace } from './criteria.js';
import type { RuleProblem } from './model.js';
import { compilePredicate } from './predicate.js';

const ctx = { now: 0, render: (p: unknown, data: Record<string, unknown>) => renderValue(p, data) };

function check(criteria: unknown, payload: unknown): { passed: boolean; trace: Trace[] } {
  const problems: RuleProblem[] = [];
  const group = compileCriteria(criteria, ['criteria'], problems);
  expect(problems).toEqual([]);
  const trace: Trace[] = [];
  const passed = evalGroup(group, { trigger: payload }, ctx, trace);
  // The fast path, the compiled closure and the traced path agree.
  expect(evalGroup(group, { trigger: payload }, ctx, null)).toBe(passed);
  expect(compilePredicate(group)({ trigger: payload }, ctx)).toBe(passed);
  return { passed, trace: trace[0]!.items! };
}

const problemsOf = (criteria: unknown) => {
  const problems: RuleProblem[] = [];
  compileCriteria(criteria, ['criteria'], problems);
  return problems.map((p) => `${p.path.join('/')}: ${p.message}`);
};

describe('criteria', () => {
  const alert = { body: { status: 'critical', load: 25, host: 'web1', tags: ['prod', 'eu'] }, headers: { 'X-GitHub-Event': 'push' }, items: [{ name: 'a', v: 1 }, { name: 'b', v: 5 }] };

  it('ANDs st2 criteria and reads nested, indexed and quoted paths', () => {
    expect(check({
      'trigger.body.status': { type: 'equals', pattern: 'critical' },
      "trigger.headers['X-GitHub-Event']": { type: 'equals', pattern: 'push' },
      'trigger.items[1].name': { type: 'equals', pattern: 'b' },
      'trigger.items[*].v': { type: 'equals', pattern: 1 },
    }, alert).passed).toBe(true);
    const r = check({ 'trigger.body.status': { type: 'equals', pattern: 'critical' }, 'trigger.body.load': { type: 'lessthan', pattern: 20 } }, alert);
    expect(r.passed).toBe(false);
    expect(firstFailure(r.trace)).toBe('trigger.body.load lessthan 20 failed (value 25)');
  });

  it('renders templated patterns against the trigger, keeping the value type', () => {
    expect(check({ 'trigger.body.load': { type: 'greaterthan', pattern: '{{ trigger.body.threshold }}' } }, { body: { load: 25, threshold: 20 } }).passed).toBe(true);
    expect(check({ 'trigger.body.host': { type: 'equals', pattern: 'web{{ 0 + 1 }}' } }, alert).passed).toBe(true);
  });

  it('search: any item, or all items, passing every child criterion', () => {
    const any = { 'trigger.items': { type: 'search', condition: 'any', pattern: { 'item.name': { type: 'equals', pattern: 'b' }, 'item.v': { type: 'greaterthan', pattern: 4 } } } };
    expect(check(any, alert).passed).toBe(true);
    const all = { 'trigger.items': { type: 'search', condition: 'all', pattern: { 'item.v': { type: 'greaterthan', pattern: 4 } } } };
    expect(check(all, alert).passed).toBe(false);
    expect(check(all, { items: [] }).passed).toBe(true);
    expect(check(any, { items: 'not a list' }).passed).toBe(false);
  });

  it('any / all / not groups', () => {
    const either = { any: [{ 'trigger.body.status': { type: 'equals', pattern: 'critical' } }, { 'trigger.body.load': { type: 'greaterthan', pattern: 20 } }] };
    expect(check(either, { body: { status: 'ok', load: 30 } }).passed).toBe(true);
    expect(check(either, { body: { status: 'critical', load: 1 } }).passed).toBe(true);
    const none = check(either, { body: { status: 'ok', load: 1 } });
    expect(none.passed).toBe(false);
    expect(firstFailure(none.trace)).toMatch(/^no any: alternative passed/);
    const notDev = { 'trigger.body.status': { type: 'equals', pattern: 'critical' }, not: { 'trigger.body.tags': { type: 'contains', pattern: 'dev' } } };
    expect(check(notDev, alert).passed).toBe(true);
    expect(check(notDev, { body: { status: 'critical', tags: ['dev'] } }).passed).toBe(false);
    expect(check({ all: [{ 'trigger.body.host': { type: 'startswith', pattern: 'web' } }, { any: [either] }] }, alert).passed).toBe(true);
  });

  it('a criterion that raises in st2 (type error, bad rendered regex) fails with the reason in the trace', () => {
    const r = check({ 'trigger.body.load': { type: 'startswith', pattern: '2' } }, alert);
    expect(r.passed).toBe(false);
    expect(r.trace[0]!.error).toMatch(/string methods/);
    const bad = check({ 'trigger.body.host': { type: 'regex', pattern: '{{ "(" }}' } }, alert);
    expect(bad.passed).toBe(false);
    expect(bad.trace[0]!.error).toMatch(/invalid regular expression/);
  });

  it('reports unknown operators, invalid regexes, bad keys and bad search specs at their paths', () => {
    expect(problemsOf({ 'trigger.a': { type: 'equalz', pattern: 1 } })).toEqual([expect.stringMatching(/^criteria\/trigger\.a\/type: unknown operator "equalz"/)]);
    expect(problemsOf({ 'trigger.a': { type: 'regex', pattern: '([a-' } })).toEqual([expect.stringMatching(/^criteria\/trigger\.a\/pattern: invalid regular expression/)]);
    expect(problemsOf({ 'payload.a': { type: 'equals', pattern: 1 } })).toEqual([expect.stringMatching(/must start with 'trigger\.'/)]);
    expect(problemsOf({ 'trigger.a': { pattern: 1 } })).toEqual([expect.stringMatching(/needs a 'type'/)]);
    expect(problemsOf({ 'trigger.a': { type: 'search', pattern: { 'trigger.x': { type: 'equals', pattern: 1 } } } })).toHaveLength(2);
    expect(problemsOf({ any: 'nope' })).toEqual([expect.stringMatching(/^criteria\/any: must be a list of criteria maps/), expect.any(String)]);
    expect(problemsOf({ 'trigger.a': { type: 'equals', pattern: '{{ unclosed' } })).toEqual([expect.stringMatching(/not a valid Jinja template/)]);
  });
});
