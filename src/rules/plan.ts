// The matcher's plan for one trigger's rules: every rule's top-level criteria become ids
// into one table of tests, where identical criteria (same key, operator and fixed
// pattern; templates are never shared) get one id. Deciding an event walks flat arrays
// and runs each distinct test at most once, instead of walking every rule's closures:
// with thousands of rules the cost was memory latency, not the tests themselves.
import { criteriaTemplates, type EvalContext, type Node } from './criteria.js';
import type { CompiledRule } from './definition.js';
import { nodePredicate, type Predicate } from './predicate.js';

export interface Plan {
  tests: readonly Predicate[];
  /** Rule at slot i has the test ids ids[start[i]] … ids[start[i + 1] - 1] (all must pass). */
  start: Int32Array;
  ids: Int32Array;
  /** Per-event memo: result[t] is valid when stamp[t] === epoch. */
  stamp: Uint32Array;
  result: Uint8Array;
  epoch: number;
}

/** A text naming what a criterion decides, or null when it cannot be shared (templates). */
function nodeKey(n: Node): string | null {
  if (n.kind === 'leaf') {
    if (n.templated || (n.children && criteriaTemplates(n.children).length > 0)) return null;
    return JSON.stringify([n.key, n.type, n.pattern, n.condition ?? null]);
  }
  const keys = n.items.map(nodeKey);
  return keys.every((k) => k !== null) ? `${n.kind}(${keys.join(',')})` : null;
}

export function buildPlan(rules: readonly CompiledRule[]): Plan {
  const byKey = new Map<string, number>();
  const tests: Predicate[] = [];
  const start = new Int32Array(rules.length + 1);
  const ids: number[] = [];
  rules.forEach((cr, slot) => {
    start[slot] = ids.length;
    for (const item of cr.criteria.items) {
      const key = nodeKey(item);
      let id = key === null ? undefined : byKey.get(key);
      if (id === undefined) {
        id = tests.push(nodePredicate(item)) - 1;
        if (key !== null) byKey.set(key, id);
      }
      ids.push(id);
    }
  });
  start[rules.length] = ids.length;
  return { tests, start, ids: Int32Array.from(ids), stamp: new Uint32Array(tests.length), result: new Uint8Array(tests.length), epoch: 0 };
}

/** Starts a new event: forgets the memoised results of the previous one. */
export function beginEvent(plan: Plan): void {
  plan.epoch = (plan.epoch + 1) >>> 0;
  if (plan.epoch === 0) {
    plan.stamp.fill(0);
    plan.epoch = 1;
  }
}

/** Whether the rule at `slot` passes for the current event (same outcome as its `passes`). */
export function planPasses(plan: Plan, slot: number, roots: Record<string, unknown>, ctx: EvalContext): boolean {
  const { ids, stamp, result, tests, epoch } = plan;
  for (let k = plan.start[slot]!, end = plan.start[slot + 1]!; k < end; k++) {
    const id = ids[k]!;
    let ok: boolean;
    if (stamp[id] === epoch) ok = result[id] === 1;
    else {
      ok = tests[id]!(roots, ctx);
      stamp[id] = epoch;
      result[id] = ok ? 1 : 0;
    }
    if (!ok) return false;
  }
  return true;
}
