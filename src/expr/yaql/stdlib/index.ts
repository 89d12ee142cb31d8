// yaql's standard library as one table. yaql overloads one name across its modules
// (replace on strings, regexes and lists; len on strings, lists and dicts); those names
// are joined here, choosing the form by the argument types as yaql's overload resolution does.
import { argValues, type Inv, lazyFn, noMatch, valueFn, type YaqlFunction } from '../runtime.js';
import { isDict, YaqlRegex } from '../values.js';
import { arity, asList } from './args.js';
import { collections, deleteItems, replaceInList } from './collections.js';
import { math, pairMax } from './math.js';
import { joinCollections, ordering } from './ordering.js';
import { collectionIndexOf, queries } from './queries.js';
import { regex, regexReplace, regexSplit } from './regex.js';
import { joinStrings, replaceOnString, splitString, stringIndexOf, strings } from './strings.js';
import { system } from './system.js';

function len(a: unknown[], inv: Inv): number {
  arity(a, inv, 1);
  const v = a[0];
  // Python counts code points, not UTF-16 units.
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return Object.keys(v).length;
  throw noMatch(inv, 'expected a string, list or dict');
}

function concat(a: unknown[], inv: Inv): unknown {
  if (a.length > 0 && a.every((v) => typeof v === 'string')) {
    if (inv.isMethod) throw noMatch(inv, 'concat() of strings is a function');
    return a.join('');
  }
  return a.flatMap((v) => asList(v, inv));
}

const overloaded: Record<string, YaqlFunction> = {
  len: valueFn('both', len),
  replace: valueFn('method', (a, inv) => {
    if (Array.isArray(a[0])) return replaceInList(a, inv);
    if (a[0] instanceof YaqlRegex || a[1] instanceof YaqlRegex) return regexReplace(a, inv);
    if (typeof a[0] === 'string') return replaceOnString(a, inv);
    throw noMatch(inv);
  }),
  split: valueFn('method', (a, inv) => {
    if (a[0] instanceof YaqlRegex || a[1] instanceof YaqlRegex) return regexSplit(a, inv);
    return splitString(a, inv);
  }),
  indexOf: valueFn('method', (a, inv) => (typeof a[0] === 'string' ? stringIndexOf(a, inv, false) : collectionIndexOf(a, inv, false))),
  lastIndexOf: valueFn('method', (a, inv) => (typeof a[0] === 'string' ? stringIndexOf(a, inv, true) : collectionIndexOf(a, inv, true))),
  contains: valueFn('method', (a, inv) => (arity(a, inv, 2), collectionIndexOf(a, inv, false) >= 0)),
  concat: valueFn('both', concat),
  delete: valueFn('method', deleteItems),
  join: lazyFn('method', (inv) => (inv.args.length === 4 ? joinCollections(inv) : joinStrings(argValues(inv), inv))),
  max: {
    method: true,
    func: true,
    call: (inv) => (inv.isMethod ? queries.max!.call(inv) : valueFn('function', (a) => pairMax(a, inv, true)).call(inv)),
  },
  min: {
    method: true,
    func: true,
    call: (inv) => (inv.isMethod ? queries.min!.call(inv) : valueFn('function', (a) => pairMax(a, inv, false)).call(inv)),
  },
  filter: queries.where!,
  map: queries.select!,
  limit: queries.take!,
};

// yaql's parameter names (receiver first, in yaql's camelCase convention), for calls that
// name an argument: `$.get(k, default => 'x')`, `$.take(count => 2)`, `s.split(maxSplits => 1)`.
const COLLECTION_SELECTOR = ['collection', 'selector'];
const COLLECTION_PREDICATE = ['collection', 'predicate'];
const PARAMS: Record<string, readonly string[]> = {
  get: ['dict', 'key', 'default'],
  first: ['collection', 'default'],
  last: ['collection', 'default'],
  defaultIfEmpty: ['collection', 'default'],
  split: ['string', 'separator', 'maxSplits'],
  rightSplit: ['string', 'separator', 'maxSplits'],
  substring: ['string', 'start', 'length'],
  join: ['sequence', 'separator'],
  replace: ['string', 'old', 'new', 'count'],
  trim: ['string', 'chars'],
  trimLeft: ['string', 'chars'],
  trimRight: ['string', 'chars'],
  norm: ['string', 'chars'],
  indexOf: ['string', 'sub', 'start', 'length'],
  lastIndexOf: ['string', 'sub', 'start', 'length'],
  take: ['collection', 'count'],
  limit: ['collection', 'count'],
  skip: ['collection', 'count'],
  select: COLLECTION_SELECTOR,
  map: COLLECTION_SELECTOR,
  selectMany: COLLECTION_SELECTOR,
  orderBy: COLLECTION_SELECTOR,
  orderByDescending: COLLECTION_SELECTOR,
  thenBy: COLLECTION_SELECTOR,
  thenByDescending: COLLECTION_SELECTOR,
  where: COLLECTION_PREDICATE,
  filter: COLLECTION_PREDICATE,
  any: COLLECTION_PREDICATE,
  all: COLLECTION_PREDICATE,
  skipWhile: COLLECTION_PREDICATE,
  takeWhile: COLLECTION_PREDICATE,
  indexWhere: COLLECTION_PREDICATE,
  lastIndexWhere: COLLECTION_PREDICATE,
  splitWhere: COLLECTION_PREDICATE,
  sliceWhere: COLLECTION_PREDICATE,
  distinct: ['collection', 'keySelector'],
  groupBy: ['collection', 'keySelector', 'valueSelector', 'aggregator'],
  toDict: ['collection', 'keySelector', 'valueSelector'],
  aggregate: ['collection', 'selector', 'seed'],
  reduce: ['collection', 'selector', 'seed'],
  accumulate: ['collection', 'selector', 'seed'],
  sum: ['collection', 'initial'],
  enumerate: ['collection', 'start'],
  contains: ['collection', 'value'],
  containsKey: ['dict', 'key'],
  containsValue: ['dict', 'value'],
  insert: ['collection', 'position', 'value'],
  slice: ['collection', 'length'],
  splitAt: ['collection', 'index'],
  repeat: ['value', 'times'],
  round: ['number', 'ndigits'],
  pow: ['a', 'b', 'c'],
  search: ['regexp', 'string', 'selector'],
  searchAll: ['regexp', 'string', 'selector'],
};

/** Every standard-library function by name. */
export const standardLibrary: Readonly<Record<string, YaqlFunction>> = Object.create(null) as Record<string, YaqlFunction>;
for (const table of [strings, math, collections, queries, ordering, regex, system, overloaded]) {
  for (const name of Object.keys(table)) {
    const fn = table[name]!;
    (standardLibrary as Record<string, YaqlFunction>)[name] = PARAMS[name] ? { ...fn, params: PARAMS[name] } : fn;
  }
}
