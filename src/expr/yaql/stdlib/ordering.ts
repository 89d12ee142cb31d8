// yaql's ordering and grouping queries (queries.py): orderBy/thenBy, groupBy, join.
import { SquallError } from '../../../errors.js';
import { compare } from '../operators.js';
import { type Inv, lambdaArg, lazyFn, noMatch, type YaqlFunction } from '../runtime.js';
import { equals, hashKey, truthy } from '../values.js';
import { asList } from './args.js';

type Lambda = (...xs: unknown[]) => unknown;

/** The receiver (a list) and the lambdas at positions 1.., failing when one is missing. */
export function withLambdas(inv: Inv, min: number, max: number): { xs: unknown[]; fns: (Lambda | undefined)[] } {
  if (inv.args.length < 1 + min || inv.args.length > 1 + max || inv.kw) throw noMatch(inv);
  const xs = asList(inv.args[0]!.ev(inv.ctx), inv);
  const fns = Array.from({ length: max }, (_, i) => lambdaArg(inv, i + 1));
  return { xs, fns };
}

/** One sort key of an ordered list: what orderBy/thenBy sort by, in which direction. */
interface SortKey {
  key: Lambda;
  desc: boolean;
}

// orderBy() results remember their keys so thenBy() can add one; the marker is a
// non-enumerable symbol property, invisible in JSON and dropped on output.
const ORDER = Symbol('yaql.order');

type Ordered = unknown[] & { [ORDER]?: SortKey[] };

function sortBy(xs: readonly unknown[], keys: SortKey[], pos: number): Ordered {
  const decorated = xs.map((x) => ({ x, ks: keys.map((k) => k.key(x)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const c = compare('<', a.ks[i], b.ks[i], pos);
      if (c !== 0) return keys[i]!.desc ? -c : c;
    }
    return 0;
  });
  const out: Ordered = decorated.map((d) => d.x);
  Object.defineProperty(out, ORDER, { value: keys, enumerable: false });
  return out;
}

function orderBy(desc: boolean): YaqlFunction {
  return lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    return sortBy(xs, [{ key: fns[0]!, desc }], inv.pos);
  });
}

function thenBy(desc: boolean): YaqlFunction {
  return lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    const keys = (xs as Ordered)[ORDER];
    if (!keys) throw noMatch(inv, 'thenBy() follows orderBy()');
    return sortBy(xs, [...keys, { key: fns[0]!, desc }], inv.pos);
  });
}

/**
 * yaql's GroupAggregator: the aggregator gets a group's values and the result is
 * [key, aggregate]. When it fails on the values, yaql falls back to its pre-1.1.1 form,
 * where the aggregator takes [key, values] and returns the whole pair itself.
 */
function groupAggregator(agg: Lambda): (key: unknown, values: unknown[]) => unknown {
  let failure: unknown = null;
  let allowFallback = true;
  return (key, values) => {
    if (failure === null) {
      try {
        const r = agg(values);
        const looksOld = values.length === 2 && Array.isArray(r) && r.length === 2 && equals(r[0], values[0]);
        if (!looksOld) allowFallback = false;
        return [key, r];
      } catch (err) {
        if (!(err instanceof SquallError) || err.code !== 'EXPR_EVAL') throw err;
        failure = err;
      }
    }
    if (allowFallback) {
      try {
        const r = agg([key, values]);
        if (Array.isArray(r) && r.length === 2) return r;
      } catch {
        // Falls through to the first failure, which explains the new-style call.
      }
    }
    throw failure;
  };
}

/** collection1.join(collection2, predicate, selector): every matching pair, mapped (LINQ's join). */
export function joinCollections(inv: Inv): unknown[] {
  if (inv.args.length !== 4 || inv.kw) throw noMatch(inv);
  const left = asList(inv.args[0]!.ev(inv.ctx), inv);
  const right = asList(inv.args[1]!.ev(inv.ctx), inv);
  const pred = lambdaArg(inv, 2)!;
  const select = lambdaArg(inv, 3)!;
  const out: unknown[] = [];
  for (const a of left) for (const b of right) if (truthy(pred(a, b))) out.push(select(a, b));
  return out;
}

export const ordering: Record<string, YaqlFunction> = {
  orderBy: orderBy(false),
  orderByDescending: orderBy(true),
  thenBy: thenBy(false),
  thenByDescending: thenBy(true),
  groupBy: lazyFn('method', (inv) => {
    if (inv.args.length < 2 || inv.args.length > 4) throw noMatch(inv);
    const xs = asList(inv.args[0]!.ev(inv.ctx), inv);
    const keyOf = lambdaArg(inv, 1)!;
    const valueOf = lambdaArg(inv, 2) ?? ((x: unknown) => x);
    const aggNode = inv.args[3] ?? inv.kw?.aggregator;
    const groups = new Map<string, [unknown, unknown[]]>();
    for (const x of xs) {
      const k = keyOf(x);
      const h = hashKey(k);
      if (!groups.has(h)) groups.set(h, [k, []]);
      groups.get(h)![1].push(valueOf(x));
    }
    if (!aggNode || aggNode.hole) return [...groups.values()];
    const aggregate = groupAggregator(lambdaArg({ ...inv, args: [aggNode] }, 0)!);
    return [...groups.values()].map(([k, vs]) => aggregate(k, vs));
  }),
};
