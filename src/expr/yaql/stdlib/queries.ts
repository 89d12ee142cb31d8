// yaql's query functions (queries.py): LINQ-style methods over lists, with lambda
// arguments evaluated per item (`$` is the item). yaql's results are lazy iterators;
// here they are lists, which is what a workflow receives once yaql's output is converted.
import { compare, plus } from '../operators.js';
import { argValues, type Inv, lambdaArg, lazyFn, noMatch, valueFn, type YaqlFunction } from '../runtime.js';
import { equals, evalError, truthy } from '../values.js';
import { arity, asInt, asList } from './args.js';
import { unique } from './collections.js';
import { withLambdas } from './ordering.js';

function extreme(wantMax: boolean): YaqlFunction {
  return valueFn('method', (a, inv) => {
    arity(a, inv, 1, 2);
    const xs = asList(a[0], inv);
    if (xs.length === 0 && a.length < 2) throw evalError(inv.pos, `${inv.name}() of an empty collection`);
    let best = a.length > 1 ? a[1] : xs[0];
    for (const x of a.length > 1 ? xs : xs.slice(1)) {
      const c = compare(wantMax ? '>' : '<', x, best, inv.pos);
      if (wantMax ? c > 0 : c < 0) best = x;
    }
    return best;
  });
}

function quantifier(every: boolean): YaqlFunction {
  return lazyFn('both', (inv) => {
    const { xs, fns } = withLambdas(inv, 0, 1);
    // Without a predicate, all() tests each item's truth but any() only asks for an item.
    const pred = fns[0] ?? (every ? (x: unknown) => x : () => true);
    return every ? xs.every((x) => truthy(pred(x))) : xs.some((x) => truthy(pred(x)));
  });
}

function firstOrLast(last: boolean): YaqlFunction {
  return valueFn('method', (a, inv) => {
    arity(a, inv, 1, 2);
    const xs = asList(a[0], inv);
    if (xs.length > 0) return last ? xs[xs.length - 1] : xs[0];
    if (a.length > 1) return a[1];
    throw evalError(inv.pos, `${inv.name}(): the collection is empty`);
  });
}

function zipLists(lists: unknown[][], longest: boolean, pad: unknown): unknown[][] {
  const lengths = lists.map((l) => l.length);
  const n = longest ? Math.max(0, ...lengths) : Math.min(...lengths);
  return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : pad)));
}

function chunksWhere(xs: unknown[], startNew: (x: unknown, i: number) => boolean): unknown[][] {
  const out: unknown[][] = [];
  xs.forEach((x, i) => {
    if (out.length === 0 || startNew(x, i)) out.push([]);
    out[out.length - 1]!.push(x);
  });
  return out;
}

function range(a: unknown[], inv: Inv): number[] {
  arity(a, inv, 1, 3);
  const [start, stop, step] = a.length === 1 ? [0, asInt(a[0], inv), 1] : [asInt(a[0], inv), asInt(a[1], inv), asInt(a[2], inv, 1)];
  if (step === 0) throw evalError(inv.pos, 'range(): step must not be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (n > 10_000_000) throw evalError(inv.pos, `range(): ${n} items is more than a workflow value can hold`);
  return Array.from({ length: n }, (_, i) => start + i * step);
}

function reduceWith(inv: Inv, collect: boolean): unknown {
  const { xs, fns } = withLambdas(inv, 1, 2);
  const hasSeed = inv.args.length > 2;
  if (!hasSeed && xs.length === 0) throw evalError(inv.pos, `${inv.name}() of an empty collection with no seed`);
  let acc = hasSeed ? inv.args[2]!.ev(inv.ctx) : xs[0];
  const steps: unknown[] = [acc];
  for (const x of hasSeed ? xs : xs.slice(1)) {
    acc = fns[0]!(acc, x);
    steps.push(acc);
  }
  return collect ? steps : acc;
}

export const queries: Record<string, YaqlFunction> = {
  select: lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    return xs.map((x) => fns[0]!(x));
  }),
  where: lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    return xs.filter((x) => truthy(fns[0]!(x)));
  }),
  selectMany: lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    return xs.flatMap((x) => {
      const r = fns[0]!(x);
      return Array.isArray(r) ? r : [r];
    });
  }),
  distinct: lazyFn('both', (inv) => {
    const { xs, fns } = withLambdas(inv, 0, 1);
    return unique(xs, fns[0]);
  }),
  first: firstOrLast(false),
  last: firstOrLast(true),
  single: valueFn('method', (a, inv) => {
    arity(a, inv, 1);
    const xs = asList(a[0], inv);
    if (xs.length !== 1) throw evalError(inv.pos, `single(): the collection has ${xs.length} items, not one`);
    return xs[0];
  }),
  sum: valueFn('method', (a, inv) => {
    arity(a, inv, 1, 2);
    const xs = asList(a[0], inv);
    if (xs.length === 0 && a.length < 2) throw evalError(inv.pos, 'sum() of an empty collection');
    let acc = a.length > 1 ? a[1] : xs[0];
    for (const x of a.length > 1 ? xs : xs.slice(1)) acc = plus(acc, x, inv.pos);
    return acc;
  }),
  max: extreme(true),
  min: extreme(false),
  count: valueFn('method', (a, inv) => (arity(a, inv, 1), asList(a[0], inv).length)),
  any: quantifier(false),
  all: quantifier(true),
  skip: valueFn('method', (a, inv) => (arity(a, inv, 2), asList(a[0], inv).slice(Math.max(0, asInt(a[1], inv))))),
  take: valueFn('method', (a, inv) => (arity(a, inv, 2), asList(a[0], inv).slice(0, Math.max(0, asInt(a[1], inv))))),
  skipWhile: lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    const i = xs.findIndex((x) => !truthy(fns[0]!(x)));
    return i < 0 ? [] : xs.slice(i);
  }),
  takeWhile: lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    const i = xs.findIndex((x) => !truthy(fns[0]!(x)));
    return i < 0 ? [...xs] : xs.slice(0, i);
  }),
  indexWhere: lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    return xs.findIndex((x) => truthy(fns[0]!(x)));
  }),
  lastIndexWhere: lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    for (let i = xs.length - 1; i >= 0; i--) if (truthy(fns[0]!(xs[i]))) return i;
    return -1;
  }),
  enumerate: valueFn('both', (a, inv) => {
    arity(a, inv, 1, 2);
    const start = asInt(a[1], inv, 0);
    return asList(a[0], inv).map((x, i) => [i + start, x]);
  }),
  zip: valueFn('method', (a, inv) => zipLists(a.map((l) => asList(l, inv)), false, null)),
  zipLongest: lazyFn('method', (inv) => {
    const lists = argValues(inv).map((l) => asList(l, inv));
    const pad = inv.kw?.default ? inv.kw.default.ev(inv.ctx) : null;
    return zipLists(lists, true, pad);
  }),
  range: valueFn('function', range),
  aggregate: lazyFn('method', (inv) => reduceWith(inv, false)),
  reduce: lazyFn('method', (inv) => reduceWith(inv, false)),
  accumulate: lazyFn('method', (inv) => reduceWith(inv, true)),
  append: valueFn('method', (a, inv) => [...asList(a[0], inv), ...a.slice(1)]),
  reverse: valueFn('method', (a, inv) => (arity(a, inv, 1), [...asList(a[0], inv)].reverse())),
  defaultIfEmpty: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    const xs = asList(a[0], inv);
    return xs.length > 0 ? xs : a[1];
  }),
  memorize: valueFn('method', (a, inv) => (arity(a, inv, 1), asList(a[0], inv))),
  repeat: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    const n = asInt(a[1], inv);
    if (n < 0) throw evalError(inv.pos, 'repeat(): an endless sequence cannot be a workflow value');
    return Array.from({ length: n }, () => a[0]);
  }),
  slice: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    const xs = asList(a[0], inv);
    const n = asInt(a[1], inv);
    if (n <= 0) throw evalError(inv.pos, 'slice(): the length must be positive');
    return chunksWhere(xs, (_x, i) => i % n === 0);
  }),
  splitAt: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    const xs = asList(a[0], inv);
    const i = asInt(a[1], inv);
    return [xs.slice(0, i), xs.slice(i)];
  }),
  splitWhere: lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    const out: unknown[][] = [[]];
    for (const x of xs) {
      if (truthy(fns[0]!(x))) out.push([]);
      else out[out.length - 1]!.push(x);
    }
    return out;
  }),
  sliceWhere: lazyFn('method', (inv) => {
    const { xs, fns } = withLambdas(inv, 1, 1);
    const flags = xs.map((x) => fns[0]!(x));
    return chunksWhere(xs, (_x, i) => i > 0 && !equals(flags[i], flags[i - 1]));
  }),
  generate: lazyFn('function', (inv) => {
    if (inv.args.length < 3 || inv.args.length > 4) throw noMatch(inv);
    const [, pred, producer, selector] = [0, 1, 2, 3].map((i) => lambdaArg(inv, i));
    const out: unknown[] = [];
    for (let v = inv.args[0]!.ev(inv.ctx); truthy(pred!(v)); v = producer!(v)) {
      if (out.length >= 1_000_000) throw evalError(inv.pos, 'generate(): more than 1,000,000 items');
      out.push(selector ? selector(v) : v);
    }
    return out;
  }),
  examine: lazyFn('function', (inv) => inv.args.map((n) => truthy(n.ev(inv.ctx)))),
  isIterable: valueFn('function', (a, inv) => (arity(a, inv, 1), Array.isArray(a[0]))),
};

/** Collection forms of the names strings also define (indexOf, lastIndexOf, contains, concat). */
export function collectionIndexOf(a: unknown[], inv: Inv, last: boolean): number {
  arity(a, inv, 2);
  const xs = asList(a[0], inv);
  if (last) {
    for (let i = xs.length - 1; i >= 0; i--) if (equals(xs[i], a[1])) return i;
    return -1;
  }
  return xs.findIndex((x) => equals(x, a[1]));
}
