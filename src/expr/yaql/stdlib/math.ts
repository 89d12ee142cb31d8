// yaql's math and boolean functions (math.py, boolean.py): conversions, predicates, rounding.
import { type Inv, valueFn, type YaqlFunction } from '../runtime.js';
import { evalError, truthy } from '../values.js';
import { arity, asInt, asNumber } from './args.js';
import { compare } from '../operators.js';

function pyInt(v: unknown, inv: Inv): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw evalError(inv.pos, `int(): cannot convert ${v} to an integer`);
    return Math.trunc(v);
  }
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?\d+(_\d+)*$/.test(t)) return parseInt(t.replace(/_/g, ''), 10);
    throw evalError(inv.pos, `int(): invalid literal for int() with base 10: ${JSON.stringify(v)}`);
  }
  throw evalError(inv.pos, `int(): cannot convert a ${Array.isArray(v) ? 'list' : 'dict'} to an integer`);
}

function pyFloat(v: unknown, inv: Inv): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase().replace(/_/g, '');
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return parseFloat(t);
    if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(t)) return NaN;
    throw evalError(inv.pos, `float(): could not convert string to float: ${JSON.stringify(v)}`);
  }
  throw evalError(inv.pos, `float(): cannot convert a ${Array.isArray(v) ? 'list' : 'dict'} to a number`);
}

/**
 * Python 3's round(): decided on the exact decimal value of the double (so 2.675 rounds
 * down, being 2.67499…), with exact halves going to the even neighbour.
 */
function pyRound(n: number, digits: number): number {
  if (!Number.isFinite(n)) return n;
  if (digits < 0) {
    const f = 10 ** -digits;
    return pyRound(n / f, 0) * f;
  }
  const exact = Math.abs(n).toFixed(Math.min(100, digits + 40));
  const [intPart, frac = ''] = exact.split('.');
  const kept = BigInt(intPart! + frac.slice(0, digits));
  const rest = frac.slice(digits);
  const tie = /^50*$/.test(rest);
  const up = tie ? kept % 2n === 1n : rest > '5';
  const digitsText = (up ? kept + 1n : kept).toString().padStart(digits + 1, '0');
  const text = digits === 0 ? digitsText : `${digitsText.slice(0, -digits)}.${digitsText.slice(-digits)}`;
  const r = Number(text);
  return n < 0 ? -r : r;
}

function isNumberValue(v: unknown): v is number {
  return typeof v === 'number';
}

function bits(a: unknown[], inv: Inv, op: (x: bigint, y: bigint) => bigint): number {
  arity(a, inv, 2);
  return Number(op(BigInt(asInt(a[0], inv)), BigInt(asInt(a[1], inv))));
}

export const math: Record<string, YaqlFunction> = {
  int: valueFn('function', (a, inv) => (arity(a, inv, 1), pyInt(a[0], inv))),
  float: valueFn('function', (a, inv) => (arity(a, inv, 1), pyFloat(a[0], inv))),
  bool: valueFn('function', (a, inv) => (arity(a, inv, 1), truthy(a[0]))),
  // A literal written 1.0 (or any statically float expression) is a float, as in Python.
  isInteger: valueFn('function', (a, inv) => (arity(a, inv, 1), isNumberValue(a[0]) && Number.isInteger(a[0]) && !inv.args[0]!.isFloat)),
  isNumber: valueFn('function', (a, inv) => (arity(a, inv, 1), isNumberValue(a[0]))),
  isBoolean: valueFn('function', (a, inv) => (arity(a, inv, 1), typeof a[0] === 'boolean')),
  abs: valueFn('function', (a, inv) => (arity(a, inv, 1), Math.abs(asNumber(a[0], inv)))),
  sign: valueFn('function', (a, inv) => (arity(a, inv, 1), Math.sign(asNumber(a[0], inv)) || 0)),
  round: valueFn('function', (a, inv) => {
    arity(a, inv, 1, 2);
    return pyRound(asNumber(a[0], inv), asInt(a[1], inv, 0));
  }),
  pow: valueFn('function', (a, inv) => {
    arity(a, inv, 2, 3);
    const x = asNumber(a[0], inv);
    const y = asNumber(a[1], inv);
    if (a[2] === undefined || a[2] === null) return x ** y;
    const m = asInt(a[2], inv);
    if (m === 0) throw evalError(inv.pos, 'pow(): modulo by zero');
    const r = Number(BigInt(asInt(x, inv)) ** BigInt(asInt(y, inv)) % BigInt(m));
    return r !== 0 && r < 0 !== m < 0 ? r + m : r;
  }),
  random: valueFn('function', (a, inv) => {
    arity(a, inv, 0, 2);
    if (a.length === 0) return Math.random();
    const lo = asInt(a[0], inv);
    const hi = asInt(a[1], inv);
    return lo + Math.floor(Math.random() * (hi - lo + 1));
  }),
  bitwiseAnd: valueFn('function', (a, inv) => bits(a, inv, (x, y) => x & y)),
  bitwiseOr: valueFn('function', (a, inv) => bits(a, inv, (x, y) => x | y)),
  bitwiseXor: valueFn('function', (a, inv) => bits(a, inv, (x, y) => x ^ y)),
  bitwiseNot: valueFn('function', (a, inv) => (arity(a, inv, 1), -asInt(a[0], inv) - 1)),
  shiftBitsLeft: valueFn('function', (a, inv) => bits(a, inv, (x, y) => x << y)),
  shiftBitsRight: valueFn('function', (a, inv) => bits(a, inv, (x, y) => x >> y)),
};

/** max(a, b) and min(a, b) as functions of two values, compared as yaql's > and < do (the collection forms are in queries.ts). */
export function pairMax(a: unknown[], inv: Inv, wantMax: boolean): unknown {
  arity(a, inv, 2);
  const c = compare(wantMax ? '>' : '<', a[1], a[0], inv.pos);
  if (wantMax) return c > 0 ? a[1] : a[0];
  return c < 0 ? a[1] : a[0];
}
