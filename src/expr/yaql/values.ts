// Values as YAQL sees them, mapped onto JSON-ish JavaScript values: Python's None, bool,
// int/float, str, tuple/list, dict and set become null, boolean, number, string, array,
// plain object and array. Every read of an object goes through an own-property check, so
// nothing on a prototype (constructor, __proto__, toString, …) is ever reachable.
import { SquallError } from '../../errors.js';

/** A compiled regular expression: what yaql's regex() returns. Never leaves an evaluation as-is. */
export class YaqlRegex {
  constructor(
    readonly source: string,
    readonly re: RegExp,
  ) {}
}

export type Dict = Record<string, unknown>;

export function evalError(pos: number, message: string): SquallError {
  return new SquallError('EXPR_EVAL', `position ${pos}: ${message}`, { column: pos });
}

/** A plain object (prototype Object.prototype or null): class instances are never dicts. */
export function isDict(v: unknown): v is Dict {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function hasKey(d: Dict, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(d, key);
}

/** Sets an own data property, even for the key "__proto__" (plain assignment would change the prototype). */
export function setKey(d: Dict, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(d, key, { value, enumerable: true, writable: true, configurable: true });
  else d[key] = value;
}

/**
 * Dict keys are strings in JSON. yaql's other hashable keys are written as Python's json
 * module writes them (true, false, null, 1.5); a list or dict cannot be a key.
 */
export function toKey(v: unknown, pos?: number): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  const message = `a ${typeName(v)} cannot be a dict key`;
  throw pos === undefined ? new SquallError('EXPR_EVAL', message) : evalError(pos, message);
}

export function newDict(entries: Iterable<readonly [string, unknown]> = []): Dict {
  const d: Dict = {};
  for (const [k, v] of entries) setKey(d, k, v);
  return d;
}

/** Python truthiness: None, False, 0, '', empty list and empty dict are false. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

/** Python ==, where True == 1 and lists/dicts compare by content. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if ((typeof a === 'boolean' || typeof a === 'number') && (typeof b === 'boolean' || typeof b === 'number')) {
    return Number(a) === Number(b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => equals(x, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasKey(b, k) && equals(a[k], b[k]));
  }
  if (a instanceof YaqlRegex && b instanceof YaqlRegex) return a.source === b.source && a.re.flags === b.re.flags;
  return false;
}

/** Stable key for hashing values in distinct/groupBy/set operations (equal values, equal keys). */
export function hashKey(v: unknown): string {
  if (typeof v === 'boolean') return `n:${Number(v)}`;
  if (typeof v === 'number') return `n:${v}`;
  if (typeof v === 'string') return `s:${v}`;
  if (v === null || v === undefined) return 'z';
  if (Array.isArray(v)) return `l:[${v.map(hashKey).join(',')}]`;
  if (v instanceof YaqlRegex) return `r:${v.re.flags}/${v.source}`;
  if (isDict(v)) {
    const keys = Object.keys(v).sort();
    return `d:{${keys.map((k) => `${JSON.stringify(k)}:${hashKey(v[k])}`).join(',')}}`;
  }
  return `o:${String(v)}`;
}

/** yaql's type name for messages. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'list';
  if (v instanceof YaqlRegex) return 'regex';
  return 'dict';
}

/** Python's repr(), used where yaql formats a collection with str() or format(). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyStringRepr(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${v.map(pyRepr).join(', ')})`;
  if (v instanceof YaqlRegex) return `re.compile(${pyStringRepr(v.source)})`;
  if (isDict(v)) return `{${Object.keys(v).map((k) => `${pyStringRepr(k)}: ${pyRepr(v[k])}`).join(', ')}}`;
  return String(v);
}

function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}

/**
 * Python's str() of a number. An integral value prints as a Python int (JavaScript keeps
 * no int/float distinction, so 2.0 prints as 2); others as Python's float repr, which
 * uses exponent notation below 1e-4 and from 1e16 on.
 */
export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) return String(n);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Copies a result into plain JSON-ish values: regexes become their pattern text. */
export function toOutput(v: unknown): unknown {
  if (v instanceof YaqlRegex) return v.source;
  if (Array.isArray(v)) return v.some(needsOutputCopy) ? v.map(toOutput) : v;
  if (isDict(v)) {
    const keys = Object.keys(v);
    if (!keys.some((k) => needsOutputCopy(v[k]))) return v;
    return newDict(keys.map((k) => [k, toOutput(v[k])] as const));
  }
  // JavaScript's -0 (0 * -1, int(-0.5)) is Python's int 0.
  if (v === 0) return 0;
  if (typeof v === 'object' && v !== null) throw new SquallError('EXPR_EVAL', `the result is not a JSON value (${Object.prototype.toString.call(v)})`);
  return v === undefined ? null : v;
}

function needsOutputCopy(v: unknown): boolean {
  if (v === undefined || Object.is(v, -0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && !isDict(v))) return true;
  if (Array.isArray(v)) return v.some(needsOutputCopy);
  if (isDict(v)) return Object.keys(v).some((k) => needsOutputCopy(v[k]));
  return false;
}
