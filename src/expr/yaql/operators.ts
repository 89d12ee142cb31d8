// YAQL's operators with the overloads yaql's standard library registers for them
// (math, strings, collections, common, boolean, regex). A combination no overload
// accepts is an error, as in yaql: 'a' + 1, null + 1, true < 2, 1 < 'a'.
import { ContextValue, childCtx, type Ctx, type Node } from './runtime.js';
import { type Dict, evalError, equals, isDict, newDict, truthy, typeName, YaqlRegex } from './values.js';
import { pySearch } from './pyregex.js';

function isNum(v: unknown): v is number {
  return typeof v === 'number';
}

// A repetition count: Python's bool is an int, so 'ab' * true is 'ab' (arithmetic, though,
// takes yaql's Number type, which leaves booleans out: true + 1 is an error).
function isInt(v: unknown): v is number | boolean {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'boolean';
}

function noOperator(op: string, pos: number, ...operands: unknown[]): Error {
  return evalError(pos, `operator '${op}' does not apply to ${operands.map(typeName).join(' and ')}`);
}

function mergeDicts(a: Dict, b: Dict): Dict {
  return newDict([...Object.entries(a), ...Object.entries(b)]);
}

export function plus(a: unknown, b: unknown, pos: number): unknown {
  if (isNum(a) && isNum(b)) return a + b;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (isDict(a) && isDict(b)) return mergeDicts(a, b);
  throw noOperator('+', pos, a, b);
}

export function minus(a: unknown, b: unknown, pos: number): unknown {
  if (isNum(a) && isNum(b)) return a - b;
  throw noOperator('-', pos, a, b);
}

function repeat<T>(unit: readonly T[], n: number, pos: number): T[] {
  if (unit.length * n > 10_000_000) throw evalError(pos, `a list of ${unit.length * n} items is more than a workflow value can hold`);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(...unit);
  return out;
}

export function times(a: unknown, b: unknown, pos: number): unknown {
  if (isNum(a) && isNum(b)) return a * b;
  if (typeof a === 'string' && isInt(b)) return a.repeat(Math.max(0, Number(b)));
  if (isInt(a) && typeof b === 'string') return b.repeat(Math.max(0, Number(a)));
  if (Array.isArray(a) && isInt(b)) return repeat(a, Number(b), pos);
  if (isInt(a) && Array.isArray(b)) return repeat(b, Number(a), pos);
  throw noOperator('*', pos, a, b);
}

/** Python 3 `/` as yaql's math.division: int / int floors, anything with a float divides. */
export function divide(a: unknown, b: unknown, pos: number, isFloat: boolean): unknown {
  if (!isNum(a) || !isNum(b)) throw noOperator('/', pos, a, b);
  if (b === 0) throw evalError(pos, 'division by zero');
  if (!isFloat && Number.isInteger(a) && Number.isInteger(b)) return Math.floor(a / b);
  return a / b;
}

/** Python's %: the result takes the sign of the divisor. */
export function modulo(a: unknown, b: unknown, pos: number): unknown {
  if (!isNum(a) || !isNum(b)) throw noOperator('mod', pos, a, b);
  if (b === 0) throw evalError(pos, 'modulo by zero');
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

export function negate(a: unknown, pos: number): unknown {
  if (isNum(a)) return -a;
  throw noOperator('-', pos, a);
}

export function unaryPlus(a: unknown, pos: number): unknown {
  if (isNum(a)) return a;
  throw noOperator('+', pos, a);
}

/**
 * yaql's ordering operators: numbers with numbers, strings with strings, and null, which is
 * below everything (null < 1 is true, null < null false, null <= null true).
 * Returns the three-way comparison, or throws when no overload applies.
 */
export function compare(op: string, a: unknown, b: unknown, pos: number): number {
  if (isNum(a) && isNum(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a === null && b === null) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  throw noOperator(op, pos, a, b);
}

export function inOp(a: unknown, b: unknown, pos: number): boolean {
  if (Array.isArray(b)) return b.some((x) => equals(a, x));
  if (typeof b === 'string' && typeof a === 'string') return b.includes(a);
  throw noOperator('in', pos, a, b);
}

export function regexMatch(a: unknown, b: unknown, pos: number, op: string): boolean {
  if (typeof a !== 'string' || (typeof b !== 'string' && !(b instanceof YaqlRegex))) throw noOperator(op, pos, a, b);
  return pySearch(b, a, pos) !== null;
}

/** Python's `and`/`or` return an operand, not a boolean. */
export function andOp(l: Node, r: Node): (c: Ctx) => unknown {
  return (c) => {
    const a = l.ev(c);
    return truthy(a) ? r.ev(c) : a;
  };
}

export function orOp(l: Node, r: Node): (c: Ctx) => unknown {
  return (c) => {
    const a = l.ev(c);
    return truthy(a) ? a : r.ev(c);
  };
}

/** `context -> expr`: evaluates the right side in the context let()/with() returned. */
export function sendContext(l: Node, r: Node): (c: Ctx) => unknown {
  return (c) => {
    const left = l.ev(c);
    if (!(left instanceof ContextValue)) throw evalError(l.pos, `'->' needs a context on its left, as let() or with() return (got ${typeName(left)})`);
    return r.ev(childCtx(left.ctx, []));
  };
}
