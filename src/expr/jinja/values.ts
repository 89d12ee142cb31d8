// Python's value model as Jinja2 sees it, over plain JSON-like data: truthiness, str()/repr(),
// equality, ordering, and the runtime objects a template may hold (Undefined, callables,
// namespaces, loop contexts, st2kv references). Nothing here reads a JS prototype property.
import { SquallError } from '../../errors.js';

export type Dict = Record<string, unknown>;

/** Output and string results stop at 10 MB: a template that big is a runaway, not a parameter. */
export const MAX_STRING_CHARS = 10 * 1024 * 1024;

/** Fails before a padding or width argument could build a string past MAX_STRING_CHARS. */
export function checkWidth(n: number): number {
  if (n > MAX_STRING_CHARS) throw evalError(`width ${n} is over the ${MAX_STRING_CHARS} character limit`);
  return n;
}

/** Jinja2's StrictUndefined (what st2 and Orquesta use): only `is defined` and `default` may touch it. */
export class Undefined {
  /** `lenient`: Jinja's plain Undefined (an if-expression without else), which renders as ''. */
  constructor(readonly hint: string, readonly lenient = false) {}
}

/** A function a template may call; the only thing a call expression ever invokes. */
export class Callable {
  constructor(
    readonly name: string,
    readonly invoke: (args: unknown[], kwargs: Dict) => unknown,
  ) {}
}

/** Jinja2's namespace(): the one object whose attributes `{% set ns.x = … %}` may assign. */
export class Namespace {
  readonly vars = new Map<string, unknown>();
}

/** `st2kv.system.a` before it is used: decrypt_kv needs the key, everything else the value. */
export class KvRef {
  constructor(
    readonly path: readonly string[],
    readonly lookup: (key: string, decrypt: boolean) => unknown,
  ) {}
}

/** A Python float with an integral value (2.0): a JS number cannot tell it from the int 2, yet Jinja prints "2.0". */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** The float `n`, boxed when integral so that it keeps printing as a float. */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

export function isNumeric(v: unknown): v is number | boolean | PyFloat {
  return typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
}

export function num(v: number | boolean | PyFloat): number {
  return v instanceof PyFloat ? v.value : Number(v);
}

/** Python's isinstance(v, float). */
export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** Python's repr() of a float (2.0, 0.5, 1e+16, 1e-05, inf). */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mant, exp] = n.toExponential().split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${mant}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  if (Number.isInteger(n)) return (Object.is(n, -0) ? '-0' : String(n)) + '.0';
  return String(n);
}

/** Plain JSON-like data for the host: integral floats unboxed, containers copied only when changed. */
export function toData(v: unknown, seen: Set<object> = new Set()): unknown {
  if (v instanceof PyFloat) return v.value;
  if (typeof v !== 'object' || v === null || seen.has(v)) return v;
  if (Array.isArray(v)) {
    seen.add(v);
    const out: unknown[] = [];
    for (const x of v) out.push(toData(x, seen));
    seen.delete(v);
    return out.some((x, i) => x !== v[i]) ? out : v;
  }
  if (isDict(v)) {
    seen.add(v);
    const keys = Object.keys(v);
    const vals = keys.map((k) => toData(v[k], seen));
    seen.delete(v);
    return vals.some((x, i) => x !== v[keys[i]!]) ? newDict(keys.map((k, i) => [k, vals[i]] as const)) : v;
  }
  return v;
}

/** A Python tuple: a list that prints as `(a, b)`; leaves a template as a plain array. */
export class Tuple extends Array<unknown> {}

/** groupby()'s result rows: tuples that also answer `.grouper` and `.list` as in Jinja2. */
export class GroupTuple extends Tuple {}

export function tuple(items: readonly unknown[]): Tuple {
  const t = new Tuple();
  for (const x of items) t.push(x);
  return t;
}

export function evalError(message: string): SquallError {
  return new SquallError('EXPR_EVAL', message);
}

export function isDict(v: unknown): v is Dict {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** Sets an own data property; `__proto__` becomes a plain key instead of swapping the prototype. */
export function setOwn(o: Dict, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

export function newDict(entries: Iterable<readonly [string, unknown]>): Dict {
  const d: Dict = {};
  for (const [k, v] of entries) setOwn(d, k, v);
  return d;
}

/** Raises the undefined's error when `v` is undefined: the StrictUndefined rule. */
export function defined<T>(v: T): Exclude<T, Undefined> {
  if (v instanceof Undefined) throw evalError(v.hint);
  return v as Exclude<T, Undefined>;
}

export function typeName(v: unknown): string {
  if (v === null) return 'NoneType';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return Number.isInteger(v) ? 'int' : 'float';
    case 'string': return 'str';
  }
  if (v instanceof Tuple) return 'tuple';
  if (v instanceof PyFloat) return 'float';
  if (Array.isArray(v)) return 'list';
  if (isDict(v)) return 'dict';
  if (v instanceof Callable) return 'function';
  if (v instanceof Namespace) return 'Namespace';
  if (v instanceof Undefined) return 'Undefined';
  return 'object';
}

export function truthy(v: unknown): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (v === true || typeof v === 'number' || typeof v === 'string') return true;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  if (v instanceof Undefined) {
    if (v.lenient) return false;
    throw evalError(v.hint);
  }
  if (v instanceof PyFloat) return v.value !== 0;
  return true;
}

/** Python's repr() of a number: integral values are ints (floats that happen to be integral are PyFloat). */
export function numberRepr(n: number): string {
  return Number.isInteger(n) ? BigInt(n).toString() : floatRepr(n);
}

function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python's repr(). Containers that hold themselves print as [...] / {...}, as in Python. */
export function repr(v: unknown, seen: Set<object> = new Set()): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return numberRepr(v);
  if (typeof v === 'string') return stringRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (v instanceof Undefined) {
    if (v.lenient) return '';
    throw evalError(v.hint);
  }
  if (v instanceof KvRef) return repr(resolveKv(v), seen);
  if (Array.isArray(v)) {
    if (seen.has(v)) return '[...]';
    seen.add(v);
    const inner = v.map((x) => repr(x, seen)).join(', ');
    seen.delete(v);
    if (v instanceof Tuple) return v.length === 1 ? `(${inner},)` : `(${inner})`;
    return `[${inner}]`;
  }
  if (isDict(v)) {
    if (seen.has(v)) return '{...}';
    seen.add(v);
    const inner = Object.keys(v).map((k) => `${stringRepr(k)}: ${repr(v[k], seen)}`).join(', ');
    seen.delete(v);
    return `{${inner}}`;
  }
  if (v instanceof Callable) return `<function ${v.name}>`;
  if (v instanceof Namespace) {
    return `<Namespace ${[...v.vars].map(([k, x]) => `${k}=${repr(x, seen)}`).join(', ')}>`;
  }
  return '<object>';
}

/** Python's str(): strings as they are, everything else as repr(). */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : repr(v);
}

export function resolveKv(ref: KvRef): unknown {
  return lookupKv(ref, false);
}

/**
 * The value behind `st2kv.system.a.b`: the key 'a.b' when it exists (st2's KeyValueLookup joins
 * the dotted names), else key 'a' with item 'b'. A missing key is '' as st2 renders it.
 */
export function lookupKv(ref: KvRef, decrypt: boolean): unknown {
  for (let n = ref.path.length; n >= 2; n--) {
    const found = ref.lookup(ref.path.slice(0, n).join('.'), decrypt);
    if (found === undefined) continue;
    let v: unknown = found;
    for (const k of ref.path.slice(n)) {
      if (!isDict(v) || !hasOwn(v, k)) return new Undefined(`datastore value '${ref.path.slice(0, n).join('.')}' has no item '${k}'`);
      v = v[k];
    }
    return v;
  }
  return '';
}

/** Python's ==: 1 == 1.0 == True, lists and dicts compared by value. */
export function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNumeric(a) && isNumeric(b)) return num(a) === num(b);
  if (a instanceof Undefined) throw evalError(a.hint);
  if (b instanceof Undefined) throw evalError(b.hint);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => eq(x, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => hasOwn(b, k) && eq(a[k], b[k]));
  }
  return false;
}

/** Python's ordering: numbers with numbers, strings with strings, lists element-wise; else TypeError. */
export function compare(a: unknown, b: unknown, op: string): number {
  if (isNumeric(a) && isNumeric(b)) return num(a) < num(b) ? -1 : num(a) > num(b) ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!eq(a[i], b[i])) return compare(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  defined(a);
  defined(b);
  throw evalError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python's `in`: substring, list membership, dict key. */
export function contains(container: unknown, item: unknown): boolean {
  defined(item);
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw evalError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => eq(x, item));
  if (isDict(container)) return typeof item === 'string' || typeof item === 'number' ? hasOwn(container, String(item)) : false;
  if (container instanceof Namespace) return typeof item === 'string' && container.vars.has(item);
  defined(container);
  throw evalError(`argument of type '${typeName(container)}' is not iterable`);
}

/** What a `for` loop or an iterating filter walks: list items, string characters, dict keys. */
export function iterate(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isDict(v)) return Object.keys(v);
  if (v instanceof KvRef) return iterate(resolveKv(v));
  defined(v);
  throw evalError(`'${typeName(v)}' object is not iterable`);
}

export function length(v: unknown): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return Object.keys(v).length;
  defined(v);
  throw evalError(`object of type '${typeName(v)}' has no len()`);
}

/** Python int(): from numbers, bools and integer strings. */
export function toInt(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw evalError(`cannot convert float ${numberRepr(v)} to integer`);
    return Math.trunc(v);
  }
  if (typeof v === 'string' && /^\s*[+-]?\d[\d_]*\s*$/.test(v)) return parseInt(v.replace(/_/g, ''), 10);
  defined(v);
  throw evalError(`invalid literal for int() with base 10: ${repr(v)}`);
}

/** Python float(). */
export function toFloat(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$/.test(s)) return parseFloat(s.replace(/_/g, ''));
    if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(s)) return NaN;
  }
  defined(v);
  throw evalError(`could not convert ${typeName(v)} to float: ${repr(v)}`);
}
