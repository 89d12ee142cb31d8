// A second level of indexing inside one trigger's rules: a rule whose top-level criteria
// include `equals` / `iequals` / `inside` with a fixed pattern is filed under the value(s)
// that criterion accepts, so an event is only evaluated against the rules its value can
// satisfy, plus the rules with no such criterion. A rule it skips is a proven non-match
// (its filed criterion fails), reported with that criterion as the reason.
import type { CompiledRule } from './definition.js';
import type { Leaf } from './criteria.js';
import { compileLookup } from './payload-path.js';
import { buildPlan, type Plan } from './plan.js';

// Rules are held by their position ("slot") in `all`, so the matcher's plan can find
// each rule's criteria in flat arrays. Values are looked up in Maps without building a
// key: strings by themselves (lower-cased in a folding column), numbers and booleans in
// Python's equality class (1 == 1.0 == True; Map's SameValueZero also gives 0 == -0).
interface Column {
  get: (payload: unknown) => unknown;
  fold: boolean;
  strings: Map<string, Int32Array>;
  numbers: Map<number, Int32Array>;
}

export interface TriggerRules {
  all: readonly CompiledRule[];
  /** Slots of the rules with no filed criterion: always evaluated. */
  openSlots: Int32Array;
  columns: readonly Column[];
  /** The criterion each filed rule is filed under. */
  filedBy: ReadonlyMap<CompiledRule, Leaf>;
  /** The rules' criteria with shared criteria decided once per event (plan.ts). */
  plan: Plan;
}

type Accepted = { fold: boolean; values: Array<string | number> };

// A filed value: strings as they are, numbers and booleans as numbers (NaN, equal to
// nothing, is not filed).
function filedValue(v: unknown): string | number | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' && !Number.isNaN(v) ? v : null;
}

/** The values a fixed-pattern leaf accepts, or null when it cannot be filed. */
function accepted(leaf: Leaf): Accepted | null {
  if (leaf.templated || leaf.root !== 'trigger' || leaf.path.some((s) => typeof s === 'symbol')) return null;
  const p = leaf.pattern;
  switch (leaf.type) {
    case 'equals': case 'eq': {
      const v = filedValue(p);
      return v === null ? null : { fold: false, values: [v] };
    }
    case 'iequals': case 'ieq':
      return typeof p === 'string' ? { fold: true, values: [p.toLowerCase()] } : null;
    case 'inside': case 'in': {
      if (!Array.isArray(p) || p.length === 0) return null;
      const values = p.map(filedValue);
      return values.every((v) => v !== null) ? { fold: false, values } : null;
    }
    default:
      return null;
  }
}

const columnId = (leaf: Leaf, fold: boolean) => `${fold ? 'i' : 'e'}|${JSON.stringify(leaf.path)}`;

export function fileRules(rules: readonly CompiledRule[]): TriggerRules {
  const openSlots: number[] = [];
  const filing = new Map<string, { leaf: Leaf; fold: boolean; slots: Map<string | number, number[]> }>();
  const filedBy = new Map<CompiledRule, Leaf>();
  rules.forEach((cr, slot) => {
    for (const item of cr.criteria.items) {
      if (item.kind !== 'leaf') continue;
      const a = accepted(item);
      if (!a) continue;
      const id = columnId(item, a.fold);
      const col = filing.get(id) ?? { leaf: item, fold: a.fold, slots: new Map() };
      filing.set(id, col);
      for (const v of new Set(a.values)) {
        const list = col.slots.get(v);
        if (list) list.push(slot);
        else col.slots.set(v, [slot]);
      }
      filedBy.set(cr, item);
      return;
    }
    openSlots.push(slot);
  });
  const columns = [...filing.values()].map(({ leaf, fold, slots }): Column => {
    const col: Column = { get: compileLookup(leaf.path), fold, strings: new Map(), numbers: new Map() };
    for (const [v, list] of slots) {
      if (typeof v === 'string') col.strings.set(v, Int32Array.from(list));
      else col.numbers.set(v, Int32Array.from(list));
    }
    return col;
  });
  return { all: rules, openSlots: Int32Array.from(openSlots), columns, filedBy, plan: buildPlan(rules) };
}

/** The slots filed in `col` under the payload's value, if any. */
export function filedUnder(col: Column, payload: unknown): Int32Array | undefined {
  const v = col.get(payload);
  if (typeof v === 'string') return col.strings.get(col.fold ? v.toLowerCase() : v);
  if (col.fold) return undefined;
  if (typeof v === 'number') return col.numbers.get(v);
  if (typeof v === 'boolean') return col.numbers.get(v ? 1 : 0);
  return undefined;
}
