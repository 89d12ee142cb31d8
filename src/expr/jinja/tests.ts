// Jinja2's tests (`x is defined`, `n is divisibleby 3`, …; jinja2/tests.py) plus st2's `in`.
import { Callable, Undefined, compare, contains, defined, eq, isDict, isFloat, isNumeric, toInt, type Dict } from './values.js';

export type Test = (value: unknown, args: unknown[], kwargs: Dict) => boolean;

const other = (a: unknown[]) => defined(a[0]);
const cmp = (op: string, ok: (c: number) => boolean): Test => (v, a) => ok(compare(defined(v), other(a), op));

const tests: Record<string, Test> = {
  boolean: (v) => typeof v === 'boolean',
  callable: (v) => v instanceof Callable,
  defined: (v) => !(v instanceof Undefined),
  divisibleby: (v, a) => toInt(defined(v)) % toInt(other(a)) === 0,
  eq: (v, a) => eq(defined(v), other(a)),
  escaped: () => false,
  even: (v) => toInt(defined(v)) % 2 === 0,
  false: (v) => v === false,
  float: (v) => isFloat(v),
  ge: cmp('>=', (c) => c >= 0),
  gt: cmp('>', (c) => c > 0),
  in: (v, a) => contains(other(a), defined(v)),
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  iterable: (v) => typeof v === 'string' || Array.isArray(v) || isDict(v),
  le: cmp('<=', (c) => c <= 0),
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  lt: cmp('<', (c) => c < 0),
  mapping: (v) => isDict(v),
  ne: (v, a) => !eq(defined(v), other(a)),
  none: (v) => v === null,
  number: (v) => isNumeric(v),
  odd: (v) => Math.abs(toInt(defined(v)) % 2) === 1,
  sameas: (v, a) => defined(v) === a[0],
  sequence: (v) => typeof v === 'string' || Array.isArray(v) || isDict(v),
  string: (v) => typeof v === 'string',
  true: (v) => v === true,
  undefined: (v) => v instanceof Undefined,
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
};

/** Every test by name, with Jinja's aliases (==, equalto, greaterthan, …). */
export const builtinTests: ReadonlyMap<string, Test> = new Map<string, Test>([
  ...Object.entries(tests),
  ['==', tests.eq!], ['equalto', tests.eq!], ['!=', tests.ne!],
  ['<', tests.lt!], ['lessthan', tests.lt!], ['<=', tests.le!],
  ['>', tests.gt!], ['greaterthan', tests.gt!], ['>=', tests.ge!],
]);
