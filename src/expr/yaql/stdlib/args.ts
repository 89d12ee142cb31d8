// Argument checks for the standard library: a value of the wrong type means no form of
// the function matches, yaql's NoMatchingFunctionException.
import { type Inv, noMatch } from '../runtime.js';
import { type Dict, isDict } from '../values.js';

export function asString(v: unknown, inv: Inv, what = 'a string'): string {
  if (typeof v !== 'string') throw noMatch(inv, `expected ${what}`);
  return v;
}

export function asOptString(v: unknown, inv: Inv): string | null {
  return v === undefined || v === null ? null : asString(v, inv);
}

/** An integer argument. Python's bool is an int, so true and false pass as 1 and 0 (range(false) is []). */
export function asInt(v: unknown, inv: Inv, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v === 'boolean') return Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw noMatch(inv, 'expected an integer');
  return v;
}

export function asNumber(v: unknown, inv: Inv): number {
  if (typeof v !== 'number') throw noMatch(inv, 'expected a number');
  return v;
}

export function asList(v: unknown, inv: Inv): unknown[] {
  if (!Array.isArray(v)) throw noMatch(inv, 'expected a collection');
  return v;
}

export function asDict(v: unknown, inv: Inv): Dict {
  if (!isDict(v)) throw noMatch(inv, 'expected a dict');
  return v;
}

/** Fails unless the call has between min and max positional arguments (receiver included). */
export function arity(a: readonly unknown[], inv: Inv, min: number, max = min): void {
  if (a.length < min || a.length > max) throw noMatch(inv, `it takes ${min === max ? min : `${min} to ${max}`} arguments, got ${a.length}`);
}
