// A second level of indexing inside one trigger's rules: a rule whose top-level criteria
// include `equals` / `iequals` / `inside` with a fixed pattern is filed under the value(s)
// that criterion accepts, so an event is only evaluated against the rules its value can
// satisfy, plus the rules with no such criterion. A rule it skips is a proven non-match
// (its filed criterion fails), reported with that criterion as the reason.
import type { CompiledRule } from './definition.js';
import type { Leaf } from './criteria.js';
import { lookup } from './payload-path.js';
import { buildPlan, type Plan } from './plan.js';

// Rules are held by their position ("slot") in `all`, so the matcher's plan can find
// each rule's criteria in flat arrays.
interface Column {
  leaf: Leaf;
  fold: boolean;
  byValue: Map<string, number[]>;
}

export interface TriggerRules {
  all: readonly CompiledRule[];
  /** Rules with no filed criterion: always evaluated. */
  open: readonly CompiledRule[];
  openSlots: readonly number[];
  columns: readonly Column[];
  /** The criterion each filed rule is filed under. */
  filedBy: ReadonlyMap<CompiledRule, Leaf>;
  /** The rules' criteria with shared criteria decided once per event (plan.ts). */
  plan: Plan;
}

// Python equality classes: 1 == 1.0 == True, so numbers and booleans share keys.
function valueKey(v: unknown, fold: boolean): string | null {
  if (typeof v === 'string') return fold ? `s:${v.toLowerCase()}` : `s:${v}`;
  if (fold) return null;
  if (typeof v === 'number') return `n:${v}`;
  if (typeof v === 'boolean') return `n:${v ? 1 : 0}`;
  return null;
}

/** The keys a fixed-pattern leaf accepts, or null when it cannot be filed. */
function acceptedKeys(leaf: Leaf): { fold: boolean; keys: string[] } | null {
  if (leaf.templated || leaf.root !== 'trigger' || leaf.path.some((s) => typeof s === 'symbol')) return null;
  const p = leaf.pattern;
  switch (leaf.type) {
    case 'equals': case 'eq': {
      const k = valueKey(p, false);
      return k === null ? null : { fold: false, keys: [k] };
    }
    case 'iequals': case 'ieq':
      return typeof p === 'string' ? { fold: true, keys: [`s:${p.toLowerCase()}`] } : null;
    case 'inside': case 'in': {
      if (!Array.isArray(p) || p.length === 0) return null;
      const keys = p.map((x) => valueKey(x, false));
      return keys.every((k): k is string => k !== null) ? { fold: false, keys } : null;
    }
    default:
      return null;
  }
}

const columnId = (leaf: Leaf, fold: boolean) => `${fold ? 'i' : 'e'}|${JSON.stringify(leaf.path)}`;

export function fileRules(rules: readonly CompiledRule[]): TriggerRules {
  const openSlots: number[] = [];
  const columns = new Map<string, Column>();
  const filedBy = new Map<CompiledRule, Leaf>();
  rules.forEach((cr, slot) => {
    let filed = false;
    if (cr.criteria.kind === 'all') {
      for (const item of cr.criteria.items) {
        if (item.kind !== 'leaf') continue;
        const accepted = acceptedKeys(item);
        if (!accepted) continue;
        const id = columnId(item, accepted.fold);
        const col = columns.get(id) ?? { leaf: item, fold: accepted.fold, byValue: new Map() };
        columns.set(id, col);
        for (const k of new Set(accepted.keys)) col.byValue.set(k, [...(col.byValue.get(k) ?? []), slot]);
        filedBy.set(cr, item);
        filed = true;
        break;
      }
    }
    if (!filed) openSlots.push(slot);
  });
  const open = openSlots.map((i) => rules[i]!);
  return { all: rules, open, openSlots, columns: [...columns.values()], filedBy, plan: buildPlan(rules) };
}

/**
 * The rules worth evaluating for `payload`: the open ones and those filed under its values.
 * A rule is filed in one column and open rules are filed nowhere, so the list has no repeats.
 */
export function candidateSlots(t: TriggerRules, payload: Record<string, unknown>): readonly number[] {
  if (t.columns.length === 0) return t.openSlots;
  let out: number[] | null = null;
  for (const col of t.columns) {
    const k = valueKey(lookup(payload, col.leaf.path), col.fold);
    const hit = k === null ? undefined : col.byValue.get(k);
    if (hit) out = out ? out.concat(hit) : t.openSlots.concat(hit);
  }
  return out ?? t.openSlots;
}

/** The rules worth evaluating for `payload` (candidateSlots as rules). */
export function candidates(t: TriggerRules, payload: Record<string, unknown>): CompiledRule[] {
  return candidateSlots(t, payload).map((i) => t.all[i]!);
}
