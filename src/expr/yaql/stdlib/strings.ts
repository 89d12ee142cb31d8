// yaql's string functions (yaql/standard_library/strings.py), Python str semantics.
import { argValues, type Inv, lazyFn, noMatch, valueFn, type YaqlFunction } from '../runtime.js';
import { isDict } from '../values.js';
import { arity, asInt, asOptString, asString } from './args.js';
import { pyFormat, pyStr } from './pyformat.js';

/** yaql's str(): like Python's, except null, true and false print as yaql writes them. */
function yaqlStr(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  return pyStr(v);
}

const WS = ' \t\n\r\v\f\x1c\x1d\x1e\x1f\x85\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function isWs(c: string): boolean {
  return WS.includes(c);
}

/** Python's str.strip(chars) family; chars null means whitespace. */
function strip(s: string, chars: string | null, left: boolean, right: boolean): string {
  const drop = chars === null ? isWs : (c: string) => chars.includes(c);
  let a = 0;
  let b = s.length;
  if (left) while (a < b && drop(s[a]!)) a++;
  if (right) while (b > a && drop(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Python's str.split(sep, maxsplit). */
function pySplitString(s: string, sep: string | null, max: number, pos: Inv): string[] {
  if (sep === null) {
    const out: string[] = [];
    let rest = strip(s, null, true, false);
    while (rest !== '') {
      if (max >= 0 && out.length >= max) {
        out.push(rest);
        break;
      }
      let i = 0;
      while (i < rest.length && !isWs(rest[i]!)) i++;
      out.push(rest.slice(0, i));
      rest = strip(rest.slice(i), null, true, false);
    }
    return out;
  }
  if (sep === '') throw noMatch(pos, 'empty separator');
  const parts = s.split(sep);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(sep)];
}

function rightSplit(s: string, sep: string | null, max: number, inv: Inv): string[] {
  if (max < 0) return pySplitString(s, sep, -1, inv);
  const rev = (x: string) => [...x].reverse().join('');
  return pySplitString(rev(s), sep === null ? null : rev(sep), max, inv).map(rev).reverse();
}

// Python indexes strings by code point; JavaScript by UTF-16 unit. Only strings with
// characters outside the BMP (emoji, …) need the slower code-point path.
const ASTRAL = /[\uD800-\uDFFF]/;

function codePoints(s: string): string[] | null {
  return ASTRAL.test(s) ? [...s] : null;
}

/** Python's s[a:b]: negative bounds count from the end, then clamp. */
function pySlice(s: string, a: number, b: number): string {
  const cps = codePoints(s);
  const n = cps ? cps.length : s.length;
  const norm = (i: number) => (i < 0 ? Math.max(0, i + n) : Math.min(i, n));
  const from = norm(a);
  const to = Math.max(from, norm(b));
  return cps ? cps.slice(from, to).join('') : s.slice(from, to);
}

// yaql: start < 0 counts from the end once; length < 0 means "to the end"; then s[start:start+length].
function substring(s: string, start: number, length: number): string {
  const n = codePoints(s)?.length ?? s.length;
  const from = start < 0 ? start + n : start;
  const len = length < 0 ? n - from : length;
  return pySlice(s, from, from + len);
}

/** Python's str.find / rfind over s[start:end], in code points. */
function find(s: string, sub: string, start: number, end: number | undefined, last: boolean): number {
  const cps = codePoints(s);
  if (cps) return findByCodePoints(cps, [...sub], start, end, last);
  const n = s.length;
  const norm = (i: number) => (i < 0 ? Math.max(0, i + n) : Math.min(i, n));
  const a = norm(start);
  const b = end === undefined ? n : norm(end);
  if (b - a < sub.length) return -1;
  const region = s.slice(a, b);
  const i = last ? region.lastIndexOf(sub) : region.indexOf(sub);
  return i < 0 ? -1 : i + a;
}

function findByCodePoints(cps: string[], sub: string[], start: number, end: number | undefined, last: boolean): number {
  const n = cps.length;
  const norm = (i: number) => (i < 0 ? Math.max(0, i + n) : Math.min(i, n));
  const a = norm(start);
  const b = end === undefined ? n : norm(end);
  const at = (i: number) => sub.every((c, j) => cps[i + j] === c);
  if (last) {
    for (let i = b - sub.length; i >= a; i--) if (at(i)) return i;
  } else {
    for (let i = a; i + sub.length <= b; i++) if (at(i)) return i;
  }
  return -1;
}

function replaceString(s: string, old: string, repl: string, count: number): string {
  if (count < 0) return s.split(old).join(repl);
  const parts = s.split(old);
  if (parts.length <= count + 1) return parts.join(repl);
  return parts.slice(0, count + 1).join(repl) + old + parts.slice(count + 1).join(old);
}

/** sequence.join(separator) and separator.join(sequence): items through yaql's str(). */
export function joinStrings(a: unknown[], inv: Inv): string {
  arity(a, inv, 2);
  return typeof a[0] === 'string' && Array.isArray(a[1]) ? join(a[1], a[0], inv) : join(a[0], a[1], inv);
}

function join(seq: unknown, sep: unknown, inv: Inv): string {
  if (!Array.isArray(seq) || typeof sep !== 'string') throw noMatch(inv);
  return seq.map(yaqlStr).join(sep);
}

function kwValues(inv: Inv): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  if (inv.kw) for (const k of Object.keys(inv.kw)) out[k] = inv.kw[k]!.ev(inv.ctx);
  return out;
}

/** replace() on a string: old/new, or a dict of replacements (the regex forms live in regex.ts). */
export function replaceOnString(a: unknown[], inv: Inv): string {
  const s = a[0] as string;
  if (isDict(a[1])) {
    arity(a, inv, 2, 3);
    const count = asInt(a[2], inv, -1);
    let out = s;
    for (const k of Object.keys(a[1])) out = replaceString(out, k, yaqlStr(a[1][k]), count);
    return out;
  }
  arity(a, inv, 3, 4);
  return replaceString(s, asString(a[1], inv), asString(a[2], inv), asInt(a[3], inv, -1));
}

export const strings: Record<string, YaqlFunction> = {
  toUpper: valueFn('method', (a, inv) => (arity(a, inv, 1), asString(a[0], inv).toUpperCase())),
  toLower: valueFn('method', (a, inv) => (arity(a, inv, 1), asString(a[0], inv).toLowerCase())),
  rightSplit: valueFn('method', (a, inv) => {
    arity(a, inv, 1, 3);
    return rightSplit(asString(a[0], inv), asOptString(a[1], inv), asInt(a[2], inv, -1), inv);
  }),
  // An integral value known to be a float (str(1.0), str(float(x))) prints as Python does: 1.0.
  str: valueFn('function', (a, inv) => {
    arity(a, inv, 1);
    const v = a[0];
    return typeof v === 'number' && Number.isInteger(v) && inv.args[0]!.isFloat ? `${v}.0` : yaqlStr(v);
  }),
  trim: valueFn('method', (a, inv) => (arity(a, inv, 1, 2), strip(asString(a[0], inv), asOptString(a[1], inv), true, true))),
  trimLeft: valueFn('method', (a, inv) => (arity(a, inv, 1, 2), strip(asString(a[0], inv), asOptString(a[1], inv), true, false))),
  trimRight: valueFn('method', (a, inv) => (arity(a, inv, 1, 2), strip(asString(a[0], inv), asOptString(a[1], inv), false, true))),
  norm: valueFn('both', (a, inv) => {
    arity(a, inv, 1, 2);
    if (a[0] === null) return null;
    const v = strip(asString(a[0], inv), asOptString(a[1], inv), true, true);
    return v === '' ? null : v;
  }),
  substring: valueFn('method', (a, inv) => {
    arity(a, inv, 2, 3);
    return substring(asString(a[0], inv), asInt(a[1], inv), asInt(a[2], inv, -1));
  }),
  toCharArray: valueFn('method', (a, inv) => (arity(a, inv, 1), [...asString(a[0], inv)])),
  isString: valueFn('function', (a, inv) => (arity(a, inv, 1), typeof a[0] === 'string')),
  startsWith: valueFn('method', (a, inv) => {
    const s = asString(a[0], inv);
    return a.slice(1).some((p) => s.startsWith(asString(p, inv)));
  }),
  endsWith: valueFn('method', (a, inv) => {
    const s = asString(a[0], inv);
    return a.slice(1).some((p) => s.endsWith(asString(p, inv)));
  }),
  hex: valueFn('function', (a, inv) => {
    arity(a, inv, 1);
    const n = asInt(a[0], inv);
    return `${n < 0 ? '-' : ''}0x${Math.abs(n).toString(16)}`;
  }),
  format: lazyFn('both', (inv) => {
    const a = argValues(inv);
    if (a.length < 1) throw noMatch(inv);
    return pyFormat(asString(a[0], inv), a.slice(1), kwValues(inv), inv.pos);
  }),
  isEmpty: lazyFn('both', (inv) => {
    const a = argValues(inv);
    arity(a, inv, 1, 3);
    const kw = kwValues(inv);
    if (Object.keys(kw).some((k) => k !== 'trim' && k !== 'chars')) throw noMatch(inv, 'its named arguments are trim and chars');
    const trimSpaces = 'trim' in kw ? kw.trim : a[1] ?? true;
    const chars = 'chars' in kw ? kw.chars : a[2] ?? null;
    if (a[0] === null) return true;
    const s = asString(a[0], inv);
    return (trimSpaces ? strip(s, asOptString(chars, inv), true, true) : s) === '';
  }),
};

/** split(separator, maxSplits) on a string (the regex form lives in regex.ts). */
export function splitString(a: unknown[], inv: Inv): string[] {
  arity(a, inv, 1, 3);
  return pySplitString(asString(a[0], inv), asOptString(a[1], inv), asInt(a[2], inv, -1), inv);
}

/** index of a substring (string forms of indexOf / lastIndexOf). */
export function stringIndexOf(a: unknown[], inv: Inv, last: boolean): number {
  arity(a, inv, 2, 4);
  const s = asString(a[0], inv);
  const sub = asString(a[1], inv);
  const start = asInt(a[2], inv, 0);
  if (a.length < 4) return find(s, sub, start, undefined, last);
  const length = asInt(a[3], inv);
  const from = start < 0 ? start + s.length : start;
  return find(s, sub, from, length < 0 ? undefined : from + length, last);
}
