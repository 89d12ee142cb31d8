// yaql's dict and list functions (collections.py). Nothing is modified in place: every
// function returns a new list or dict, as yaql does with its immutable inputs.
import { argValues, type Inv, lambdaArg, lazyFn, MappingPair, noMatch, valueFn, type YaqlFunction } from '../runtime.js';
import { type Dict, equals, evalError, hashKey, hasKey, isDict, newDict, setKey, toKey } from '../values.js';
import { arity, asDict, asInt, asList } from './args.js';

/** Unique values in first-seen order (yaql's distinct and set semantics). */
export function unique(xs: readonly unknown[], key: (x: unknown) => unknown = (x) => x): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const x of xs) {
    const h = hashKey(key(x));
    if (!seen.has(h)) {
      seen.add(h);
      out.push(x);
    }
  }
  return out;
}

function flatten(xs: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of xs) {
    if (Array.isArray(x)) out.push(...flatten(x));
    else out.push(x);
  }
  return out;
}

function kwPairs(inv: Inv): [string, unknown][] {
  return inv.kw ? Object.keys(inv.kw).map((k) => [k, inv.kw![k]!.ev(inv.ctx)]) : [];
}

function pairsOf(args: unknown[], inv: Inv): [string, unknown][] {
  return args.map((p) => {
    if (!(p instanceof MappingPair)) throw noMatch(inv, 'expected key => value pairs');
    return [toKey(p.key, inv.pos), p.value];
  });
}

function dictFromItems(items: unknown[], inv: Inv): Dict {
  return newDict(
    items.map((it) => {
      if (!Array.isArray(it) || it.length !== 2) throw evalError(inv.pos, 'dict(): every item must be a [key, value] pair');
      return [toKey(it[0], inv.pos), it[1]] as const;
    }),
  );
}

interface Mergers {
  lists: (a: unknown[], b: unknown[]) => unknown;
  items: (a: unknown, b: unknown) => unknown;
}

// yaql's _merge_dicts: nested dicts merge (to maxLevels, 0 meaning all), lists go through
// the list merger (default: distinct concatenation), anything else through the item merger
// (default: the second value wins).
function mergeDicts(a: Dict, b: Dict, levels: number, m: Mergers, inv: Inv): Dict {
  const out = newDict(Object.entries(a));
  for (const k of Object.keys(a)) {
    if (!hasKey(b, k)) continue;
    const v1 = a[k];
    const v2 = b[k];
    if (levels !== 1 && isDict(v2)) {
      if (!isDict(v1)) throw evalError(inv.pos, `mergeWith(): cannot merge key '${k}': not both dicts`);
      setKey(out, k, mergeDicts(v1, v2, levels === 0 ? 0 : levels - 1, m, inv));
    } else if (levels !== 1 && Array.isArray(v2)) {
      if (!Array.isArray(v1)) throw evalError(inv.pos, `mergeWith(): cannot merge key '${k}': not both lists`);
      setKey(out, k, m.lists(v1, v2));
    } else setKey(out, k, m.items(v1, v2));
  }
  for (const k of Object.keys(b)) if (!hasKey(out, k)) setKey(out, k, b[k]);
  return out;
}

function mergeWith(inv: Inv): Dict {
  const n = inv.args.length;
  if (n < 2 || n > 5) throw noMatch(inv);
  const named = (name: string, i: number) => inv.kw?.[name] ?? inv.args[i];
  const lambdaAt = (name: string, i: number) => {
    const node = named(name, i);
    return node && !node.hole ? lambdaArg({ ...inv, args: [node] }, 0) : undefined;
  };
  const listMerger = lambdaAt('listMerger', 2);
  const itemMerger = lambdaAt('itemMerger', 3);
  const levelsNode = named('maxLevels', 4);
  const levels = levelsNode && !levelsNode.hole ? asInt(levelsNode.ev(inv.ctx), inv) : 0;
  const m: Mergers = {
    lists: listMerger ? (x, y) => listMerger(x, y) : (x, y) => unique([...x, ...y]),
    items: itemMerger ? (x, y) => itemMerger(x, y) : (_x, y) => y,
  };
  return mergeDicts(asDict(inv.args[0]!.ev(inv.ctx), inv), asDict(inv.args[1]!.ev(inv.ctx), inv), levels, m, inv);
}

function inRange(i: number, position: number, count: number): boolean {
  return count >= 0 ? position <= i && i < position + count : i >= position;
}

export const collections: Record<string, YaqlFunction> = {
  dict: lazyFn('function', (inv) => {
    const a = argValues(inv, true);
    if (a.length === 1 && !(a[0] instanceof MappingPair) && !inv.kw) return dictFromItems(asList(a[0], inv), inv);
    return newDict([...pairsOf(a, inv), ...kwPairs(inv)]);
  }),
  list: valueFn('function', (a) => a),
  set: lazyFn('both', (inv) => {
    const a = argValues(inv, true);
    if (isDict(a[0]) && (a.length > 1 || inv.kw)) {
      const d = a[0];
      if (a.length === 3 && !(a[1] instanceof MappingPair)) return newDict([...Object.entries(d), [toKey(a[1], inv.pos), a[2]]]);
      if (a.length === 2 && isDict(a[1]) && !inv.kw) return newDict([...Object.entries(d), ...Object.entries(a[1])]);
      return newDict([...Object.entries(d), ...pairsOf(a.slice(1), inv), ...kwPairs(inv)]);
    }
    // Only dicts have a set() method; set(1, 2) builds a set and is a plain function.
    if (inv.kw || inv.isMethod) throw noMatch(inv);
    return unique(a);
  }),
  keys: valueFn('method', (a, inv) => (arity(a, inv, 1), Object.keys(asDict(a[0], inv)))),
  values: valueFn('method', (a, inv) => (arity(a, inv, 1), Object.values(asDict(a[0], inv)))),
  // yaql returns a dict_items view; as a result it cannot even be printed (Python's
  // set of lists), so here it is the list of [key, value] pairs it iterates as.
  items: valueFn('method', (a, inv) => (arity(a, inv, 1), Object.entries(asDict(a[0], inv)).map(([k, v]) => [k, v]))),
  get: valueFn('method', (a, inv) => {
    arity(a, inv, 2, 3);
    const d = asDict(a[0], inv);
    const k = toKey(a[1], inv.pos);
    return hasKey(d, k) ? d[k] : (a[2] ?? null);
  }),
  containsKey: valueFn('method', (a, inv) => (arity(a, inv, 2), hasKey(asDict(a[0], inv), toKey(a[1], inv.pos)))),
  containsValue: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    const d = asDict(a[0], inv);
    return Object.keys(d).some((k) => equals(d[k], a[1]));
  }),
  deleteAll: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    const drop = new Set(asList(a[1], inv).map((k) => toKey(k, inv.pos)));
    return newDict(Object.entries(asDict(a[0], inv)).filter(([k]) => !drop.has(k)));
  }),
  mergeWith: lazyFn('method', mergeWith),
  toDict: lazyFn('method', (inv) => {
    if (inv.args.length < 2 || inv.args.length > 3) throw noMatch(inv);
    const xs = asList(inv.args[0]!.ev(inv.ctx), inv);
    const keyOf = lambdaArg(inv, 1)!;
    const valueOf = lambdaArg(inv, 2) ?? ((x: unknown) => x);
    return newDict(xs.map((x) => [toKey(keyOf(x), inv.pos), valueOf(x)] as const));
  }),
  isDict: valueFn('function', (a, inv) => (arity(a, inv, 1), isDict(a[0]))),
  isList: valueFn('function', (a, inv) => (arity(a, inv, 1), Array.isArray(a[0]))),
  // Sets are lists here (JSON has no sets), so nothing is ever a set.
  isSet: valueFn('function', (a, inv) => (arity(a, inv, 1), false)),
  flatten: valueFn('method', (a, inv) => (arity(a, inv, 1), flatten(asList(a[0], inv)))),
  toList: valueFn('method', (a, inv) => (arity(a, inv, 1), [...asList(a[0], inv)])),
  toSet: valueFn('method', (a, inv) => (arity(a, inv, 1), unique(asList(a[0], inv)))),
  insert: valueFn('method', (a, inv) => {
    arity(a, inv, 3);
    const copy = [...asList(a[0], inv)];
    copy.splice(asInt(a[1], inv), 0, a[2]);
    return copy;
  }),
  insertMany: valueFn('method', (a, inv) => {
    arity(a, inv, 3);
    const xs = asList(a[0], inv);
    const pos = asInt(a[1], inv);
    const values = asList(a[2], inv);
    if (pos < 0) return [...values, ...xs];
    return [...xs.slice(0, pos), ...values, ...xs.slice(pos)];
  }),
  replaceMany: valueFn('method', (a, inv) => {
    arity(a, inv, 3, 4);
    const xs = asList(a[0], inv);
    const pos = asInt(a[1], inv);
    const values = asList(a[2], inv);
    const count = asInt(a[3], inv, 1);
    const out: unknown[] = [];
    let done = false;
    xs.forEach((x, i) => {
      if (!inRange(i, pos, count)) out.push(x);
      else if (!done) {
        out.push(...values);
        done = true;
      }
    });
    return out;
  }),
  union: valueFn('method', (a, inv) => (arity(a, inv, 2), unique([...asList(a[0], inv), ...asList(a[1], inv)]))),
  intersect: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    const right = new Set(asList(a[1], inv).map(hashKey));
    return unique(asList(a[0], inv).filter((x) => right.has(hashKey(x))));
  }),
  difference: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    const right = new Set(asList(a[1], inv).map(hashKey));
    return unique(asList(a[0], inv).filter((x) => !right.has(hashKey(x))));
  }),
  symmetricDifference: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    const l = asList(a[0], inv);
    const r = asList(a[1], inv);
    const lh = new Set(l.map(hashKey));
    const rh = new Set(r.map(hashKey));
    return unique([...l.filter((x) => !rh.has(hashKey(x))), ...r.filter((x) => !lh.has(hashKey(x)))]);
  }),
};

/** delete() on a list (position, count) or on a dict (keys). */
export function deleteItems(a: unknown[], inv: Inv): unknown {
  if (isDict(a[0])) {
    const drop = new Set(a.slice(1).map((k) => toKey(k, inv.pos)));
    return newDict(Object.entries(a[0]).filter(([k]) => !drop.has(k)));
  }
  arity(a, inv, 2, 3);
  const pos = asInt(a[1], inv);
  const count = asInt(a[2], inv, 1);
  return asList(a[0], inv).filter((_x, i) => !inRange(i, pos, count));
}

/** replace() on a list: the items from position (count of them, all when negative) become one value. */
export function replaceInList(a: unknown[], inv: Inv): unknown[] {
  arity(a, inv, 3, 4);
  const pos = asInt(a[1], inv);
  const count = asInt(a[3], inv, 1);
  const out: unknown[] = [];
  let done = false;
  asList(a[0], inv).forEach((x, i) => {
    if (!inRange(i, pos, count)) out.push(x);
    else if (!done) {
      out.push(a[2]);
      done = true;
    }
  });
  return out;
}
