// Python's comparison semantics for JSON values, because st2 criteria are Python
// expressions over the payload: 1 == 1.0 == True, None is only equal to None, `<`
// between a string and a number is a TypeError (the criterion then fails), `in` is a
// substring test on strings, a membership test on lists and a key test on dicts.

/** Thrown where Python raises TypeError/AttributeError; the criterion is then false. */
export class PyTypeError extends Error {}

const isNum = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
const num = (v: number | boolean): number => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
const isDict = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function pyEq(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (isNum(a) && isNum(b)) return num(a) === num(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => pyEq(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const bd = b as Record<string, unknown>;
  return ka.length === Object.keys(bd).length && ka.every((k) => k in bd && pyEq((a as Record<string, unknown>)[k], bd[k]));
}

/** Python's a < b: -1, 0 or 1 for numbers, strings and lists; TypeError otherwise. */
export function pyCompare(a: unknown, b: unknown): number {
  if (isNum(a) && isNum(b)) return Math.sign(num(a) - num(b));
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) return pyCompare(a[i], b[i]);
    }
    return Math.sign(a.length - b.length);
  }
  throw new PyTypeError(`'<' not supported between ${typeName(a)} and ${typeName(b)}`);
}

/** Python's `needle in haystack`. */
export function pyIn(needle: unknown, haystack: unknown): boolean {
  if (typeof haystack === 'string') {
    if (typeof needle !== 'string') throw new PyTypeError(`'in <string>' requires string as left operand, not ${typeName(needle)}`);
    return haystack.includes(needle);
  }
  if (Array.isArray(haystack)) return haystack.some((x) => pyEq(x, needle));
  if (isDict(haystack)) return (typeof needle === 'string' || isNum(needle)) && Object.prototype.hasOwnProperty.call(haystack, String(needle));
  throw new PyTypeError(`argument of type ${typeName(haystack)} is not iterable`);
}

/** The value as a Python str, for string methods: only strings have them. */
export function pyStr(v: unknown): string {
  if (typeof v !== 'string') throw new PyTypeError(`${typeName(v)} has no string methods`);
  return v;
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  return Array.isArray(v) ? 'list' : 'dict';
}

/** Python's fnmatch.fnmatchcase pattern (*, ?, [seq], [!seq]) as an anchored RegExp. */
export function fnmatchRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      // As fnmatch.translate: a ']' right after '[' or '[!' is a member, not the end.
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      const end = pattern.indexOf(']', j);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/^\^/, '\\^')}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${out})$`);
}
