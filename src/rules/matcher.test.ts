// The matcher (discriminator index + plan) decides exactly what evaluating each rule's
// criteria alone decides, on any rules and payloads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderValue } from '../expr/index.js';
import { evalGroup, type EvalContext } from './criteria.js';
import type { CompiledRule } from './definition.js';
import { filedUnder } from './discriminator.js';
import { buildIndex, explainCriteria, matchPayload, rulesFor } from './matcher.js';
import type { Rule } from './model.js';

const makeRule = (i: number, criteria: Record<string, unknown>): Rule => ({
  id: String(i), ref: `t.r${i}`, pack: 't', name: `r${i}`, description: '', enabled: true,
  trigger: { type: 't.x', parameters: {} }, trigger_ref: 't.x', criteria, action: { ref: 'core.noop', parameters: {} },
  source_file: null, created_at: 0, updated_at: 0,
});

const ctx: EvalContext = { now: Date.parse('2026-01-01T00:10:00Z'), render: (p, d) => renderValue(p, d) };

const names = (list: readonly CompiledRule[]) => list.map((r) => r.rule.name).sort();

/** Each rule decided on its own: the traced evaluator, with st2's empty-payload rule. */
function alone(rules: readonly CompiledRule[], payload: Record<string, unknown>): CompiledRule[] {
  return rules.filter((cr) => {
    const { passed } = explainCriteria(cr, payload, ctx);
    // The untraced evaluator agrees with the traced one.
    expect(evalGroup(cr.criteria, { trigger: payload }, ctx, null) && (cr.criteria.items.length === 0 || Object.keys(payload).length > 0)).toBe(passed);
    return passed;
  });
}

describe('discriminator index', () => {
  it('evaluates only the open rules and the rules filed under the payload values', () => {
    const rules = [
      makeRule(0, { 'trigger.check': { type: 'equals', pattern: 'disk' } }),
      makeRule(1, { 'trigger.check': { type: 'iequals', pattern: 'DISK' }, 'trigger.n': { type: 'greaterthan', pattern: 1 } }),
      makeRule(2, { 'trigger.n': { type: 'inside', pattern: [1, 2, true] } }),
      makeRule(3, { 'trigger.n': { type: 'equals', pattern: 1 } }),
      makeRule(4, { 'trigger.n': { type: 'lessthan', pattern: 5 } }),
      makeRule(5, { any: [{ 'trigger.check': { type: 'equals', pattern: 'cpu' } }] }),
    ];
    const index = buildIndex(rules, 1);
    const t = rulesFor(index, 't.x');
    const slotNames = (slots: Iterable<number>) => [...slots].map((i) => t.all[i]!.rule.name).sort();
    expect(slotNames(t.openSlots)).toEqual(['r4', 'r5']);
    const cases: Array<[Record<string, unknown>, string[], string[]]> = [
      // payload, rules evaluated, rules matched
      [{ check: 'disk', n: 7 }, ['r0', 'r1', 'r4', 'r5'], ['r0', 'r1']],
      [{ check: 'Disk', n: 2 }, ['r1', 'r2', 'r4', 'r5'], ['r1', 'r2', 'r4']],
      [{ check: 'cpu', n: true }, ['r2', 'r3', 'r4', 'r5'], ['r2', 'r3', 'r4', 'r5']],
      [{ n: 1.0 }, ['r2', 'r3', 'r4', 'r5'], ['r2', 'r3', 'r4']],
      [{ check: 5, n: '1' }, ['r4', 'r5'], []],
      [{}, ['r4', 'r5'], []],
    ];
    for (const [payload, evaluated, matched] of cases) {
      expect(slotNames([...t.openSlots, ...t.columns.flatMap((col) => [...(filedUnder(col, payload) ?? [])])])).toEqual(evaluated);
      expect(names(matchPayload(index, 't.x', payload, ctx))).toEqual(matched);
      expect(names(alone(t.all, payload))).toEqual(matched);
    }
  });
});

describe('matcher plan', () => {
  it('decides criteria shared between rules once per event', () => {
    const shared = { 'trigger.msg': { type: 'contains', pattern: 'disk' } };
    const yaql = { 'trigger.n': { type: 'greaterthan', pattern: '<% random() %>{{ trigger.limit }}' } };
    const rules = [
      makeRule(0, { ...shared, 'trigger.n': { type: 'greaterthan', pattern: 1 } }),
      makeRule(1, { ...shared }),
      makeRule(2, { ...shared, not: { 'trigger.n': { type: 'greaterthan', pattern: 1 } } }),
      makeRule(3, { 'trigger.n': { type: 'greaterthan', pattern: '{{ trigger.limit }}' } }),
      makeRule(4, { 'trigger.n': { type: 'greaterthan', pattern: '{{ trigger.limit }}' }, ...shared }),
      makeRule(5, yaql),
      makeRule(6, yaql),
    ];
    const index = buildIndex(rules, 1);
    const t = rulesFor(index, 't.x');
    // contains (rules 0, 1, 2, 4), greaterthan 1 (rule 0 and inside rule 2's not:), the not:, the
    // Jinja template (rules 3 and 4); a text with YAQL (random()) is rendered for each rule.
    expect(t.plan.tests.length).toBe(6);
    const payloads = [{ msg: 'disk full', n: 3, limit: 2 }, { msg: 'cpu', n: 5, limit: 9 }, { msg: 'disk', n: 0, limit: -1 }, {}];
    for (const p of payloads) expect(names(matchPayload(index, 't.x', p, ctx))).toEqual(names(alone(t.all, p)));
    expect(names(matchPayload(index, 't.x', payloads[0]!, ctx))).toEqual(['r0', 'r1', 'r3', 'r4']);
    expect(names(matchPayload(index, 't.x', payloads[2]!, ctx))).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  // Random rules over a few paths and values, so that criteria repeat between rules (shared
  // tests), rules file under the same values, and groups, search and templates mix.
  const scalar = fc.constantFrom<unknown>('x', 'X', 'disk', 'Disk full', '', '1', 0, 1, 1.5, true, false, null);
  const item = fc.record({ name: fc.constantFrom('env', 'team'), value: scalar }, { requiredKeys: [] });
  const payload = fc.record({
    a: scalar, b: scalar, c: fc.record({ d: scalar }, { requiredKeys: [] }), e: fc.array(scalar, { maxLength: 2 }),
    f: fc.array(fc.record({ g: scalar }), { maxLength: 2 }), l: fc.oneof(fc.array(item, { maxLength: 3 }), scalar),
    t: fc.constantFrom('2026-01-01T00:09:30Z', '2026-01-01 00:00:00', 'soon'),
  }, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
  const key = fc.constantFrom('trigger.a', 'trigger.b', 'trigger.c.d', 'trigger.e[0]', 'trigger.f[*].g', "trigger['a']", 'trigger.l');
  const types = ['equals', 'nequals', 'iequals', 'lessthan', 'greaterthan', 'contains', 'ncontains', 'icontains', 'incontains',
    'startswith', 'istartswith', 'endswith', 'iendswith', 'exists', 'nexists', 'inside', 'ninside', 'eq', 'gt', 'in'];
  const template = fc.constantFrom('{{ trigger.b }}', '{{ trigger.a }}y', '{{ st2kv.system.k }}', '{{ trigger.missing }}');
  const pattern = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), template);
  const operatorLeaf = fc.oneof(
    // The operators the discriminator files under, most often.
    { arbitrary: fc.record({ type: fc.constantFrom('equals', 'iequals', 'inside'), pattern: fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })) }), weight: 3 },
    fc.record({ type: fc.constantFrom(...types), pattern }),
    fc.record({ type: fc.constantFrom('matchregex', 'regex', 'iregex'), pattern: fc.constantFrom('^x', 'x.*', 'isk', '^$', '[0-9]', '{{ trigger.b }}') }),
    fc.record({ type: fc.constantFrom('matchwildcard'), pattern: fc.constantFrom('x*', 'D?sk*', '*') }),
    fc.record({ type: fc.constantFrom('timediff_lt', 'timediff_gt'), pattern: fc.constantFrom(60, 300) }),
  );
  const itemCriteria = fc.dictionary(fc.constantFrom('item.name', 'item.value'), operatorLeaf, { minKeys: 1, maxKeys: 2 });
  const searchLeaf = fc.record({ type: fc.constant('search'), condition: fc.constantFrom('any', 'all'), pattern: itemCriteria });
  // A criteria map; below `depth` 0 its keys may be any:/all:/not: groups.
  const criteria = (depth: number): fc.Arbitrary<Record<string, unknown>> =>
    fc.uniqueArray(depth > 0 ? fc.oneof(key, fc.constantFrom('any', 'all', 'not')) : key, { maxLength: 3 }).chain((keys) => {
      const entries = keys.map((k) => (k === 'any' || k === 'all'
        ? fc.array(criteria(depth - 1), { minLength: 1, maxLength: 2 })
        : k === 'not' ? criteria(depth - 1) : k === 'trigger.l' ? fc.oneof(searchLeaf, operatorLeaf) : operatorLeaf).map((v) => [k, v] as const));
      return fc.tuple(...entries).map((kv) => Object.fromEntries(kv) as Record<string, unknown>);
    });

  it('matches the same rules as each rule evaluated alone, on random rules and payloads', () => {
    fc.assert(fc.property(fc.array(criteria(2), { minLength: 1, maxLength: 25 }), fc.array(payload, { minLength: 1, maxLength: 6 }), (specs, payloads) => {
      const index = buildIndex(specs.map((c, i) => makeRule(i, c)), 1);
      const t = rulesFor(index, 't.x');
      for (const p of payloads) {
          expect(names(matchPayload(index, 't.x', p, ctx))).toEqual(names(alone(t.all, p)));
      }
    }), { numRuns: 300 });
  });
});
