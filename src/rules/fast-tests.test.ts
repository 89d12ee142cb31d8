// The specialised checks agree with the generic st2 operators on any JSON value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastTest } from './fast-tests.js';
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
  const types = ['equals', 'nequals', 'iequals', 'startswith', 'istartswith', 'endswith', 'iendswith', 'icontains', 'incontains',
    'greaterthan', 'lessthan', 'exists', 'nexists', 'eq', 'neq', 'gt', 'lt', 'matchregex', 'regex', 'iregex', 'matchwildcard'];
  it.each(types)('%s agrees with the generic operator', (type) => {
    fc.assert(fc.property(value, scalar, (v, p) => {
      const mode = regexModes[type];
      const stripped = typeof p === 'string' ? p.replace(/[()[\]\\*+?{}|^$.]/g, '') : p;
      const regex = mode && typeof stripped === 'string' ? compilePattern(stripped, mode) : null;
      const pattern = regex ? stripped : p;
      if (mode && !regex) return;
      const fast = fastTest(type, pattern, regex);
      if (fast) expect(fast(v)).toBe(generic(type, v, regex ?? pattern));
    }), { numRuns: 300 });
  });
});

describe('discriminator index', () => {
  it('evaluates only open rules and the rules filed under the payload values, and matches the same rules as a full scan', async () => {
    const { buildIndex, matchPayload, rulesFor } = await import('./matcher.js');
    const { candidates } = await import('./discriminator.js');
    const { renderValue } = await import('../expr/index.js');
    const mk = (i: number, criteria: Record<string, unknown>) => ({
      id: String(i), ref: `t.r${i}`, pack: 't', name: `r${i}`, description: '', enabled: true,
      trigger: { type: 't.x', parameters: {} }, trigger_ref: 't.x', criteria, action: { ref: 'core.noop', parameters: {} },
      source_file: null, created_at: 0, updated_at: 0,
    });
    const rules = [
      mk(0, { 'trigger.check': { type: 'equals', pattern: 'disk' } }),
      mk(1, { 'trigger.check': { type: 'iequals', pattern: 'DISK' }, 'trigger.n': { type: 'greaterthan', pattern: 1 } }),
      mk(2, { 'trigger.n': { type: 'inside', pattern: [1, 2, true] } }),
      mk(3, { 'trigger.n': { type: 'equals', pattern: 1 } }),
      mk(4, { 'trigger.n': { type: 'lessthan', pattern: 5 } }),
      mk(5, { any: [{ 'trigger.check': { type: 'equals', pattern: 'cpu' } }] }),
    ];
    const index = buildIndex(rules, 1);
    const t = rulesFor(index, 't.x');
    expect(t.open.map((r) => r.rule.name)).toEqual(['r4', 'r5']);
    const ctx = { now: 0, render: (p: unknown, d: Record<string, unknown>) => renderValue(p, d) };
    const payloads = [{ check: 'disk', n: 1 }, { check: 'Disk', n: 2 }, { check: 'cpu', n: true }, { n: 1.0 }, { check: 5, n: '1' }, {}];
    const unfiled = { revision: 0, byTrigger: new Map([['t.x', { ...t, columns: [], open: t.all, openSlots: t.all.map((_, i) => i) }]]), size: rules.length };
    const names = (list: Array<{ rule: { name: string } }>) => list.map((r) => r.rule.name).sort();
    for (const p of payloads) expect(names(matchPayload(index, 't.x', p, ctx))).toEqual(names(matchPayload(unfiled, 't.x', p, ctx)));
    expect(names(matchPayload(index, 't.x', { check: 'Disk', n: 2 }, ctx))).toEqual(['r1', 'r2', 'r4']);
    expect(candidates(t, { check: 'disk', n: 7 }).map((r) => r.rule.name).sort()).toEqual(['r0', 'r1', 'r4', 'r5']);
  });
});

describe('matcher plan', () => {
  it('decides criteria shared between rules once per event, with the same outcomes as each rule alone', async () => {
    const { buildIndex, matchPayload, rulesFor } = await import('./matcher.js');
    const { renderValue } = await import('../expr/index.js');
    const mk = (i: number, criteria: Record<string, unknown>) => ({
      id: String(i), ref: `t.r${i}`, pack: 't', name: `r${i}`, description: '', enabled: true,
      trigger: { type: 't.x', parameters: {} }, trigger_ref: 't.x', criteria, action: { ref: 'core.noop', parameters: {} },
      source_file: null, created_at: 0, updated_at: 0,
    });
    const shared = { 'trigger.msg': { type: 'contains', pattern: 'disk' } };
    const rules = [
      mk(0, { ...shared, 'trigger.n': { type: 'greaterthan', pattern: 1 } }),
      mk(1, { ...shared }),
      mk(2, { ...shared, not: { 'trigger.n': { type: 'equals', pattern: 3 } } }),
      mk(3, { 'trigger.n': { type: 'greaterthan', pattern: '{{ trigger.limit }}' } }),
      mk(4, { 'trigger.n': { type: 'greaterthan', pattern: '{{ trigger.limit }}' }, ...shared }),
    ];
    const index = buildIndex(rules, 1);
    const plan = rulesFor(index, 't.x').plan;
    // The contains criterion is one test for rules 0, 1, 2 and 4; templated ones are never shared.
    expect(plan.tests.length).toBe(5);
    const ctx = { now: 0, render: (p: unknown, d: Record<string, unknown>) => renderValue(p, d) };
    const names = (list: Array<{ rule: { name: string } }>) => list.map((r) => r.rule.name).sort();
    const payloads = [{ msg: 'disk full', n: 3, limit: 2 }, { msg: 'cpu', n: 5, limit: 9 }, { msg: 'disk', n: 9, limit: 1 }, {}];
    for (const p of payloads) {
      const alone = rulesFor(index, 't.x').all.filter((cr) => Object.keys(p).length > 0 && cr.passes({ trigger: p }, ctx));
      expect(names(matchPayload(index, 't.x', p, ctx))).toEqual(names(alone));
    }
    expect(names(matchPayload(index, 't.x', payloads[0]!, ctx))).toEqual(['r0', 'r1', 'r3', 'r4']);
  });
});
