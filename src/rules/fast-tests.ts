// Specialised checks for the common operators with a fixed (non-template) pattern: the same
// outcomes as operators.ts, without its generic Python-semantics dispatch on every event.
// The matcher runs these millions of times a second, so a check is data (an opcode and its
// operand, one small object of one shape) run by one switch, not a closure per criterion;
// operators.test.ts and fast-tests.test.ts check both paths agree.

// Opcodes. `n` is the numeric operand (a boolean pattern as 0/1), `s` the string operand
// (lower-cased for the i* operators), `re` the compiled regex.
const EQ_STR = 0;
const EQ_NUM = 1;
const NEQ_STR = 2;
const NEQ_NUM = 3;
const IEQ = 4;
const STARTS = 5;
const ISTARTS = 6;
const ENDS = 7;
const IENDS = 8;
const ICONTAINS = 9;
const INCONTAINS = 10;
const CONTAINS = 11;
const NCONTAINS = 12;
const GT = 13;
const LT = 14;
const EXISTS = 15;
const NEXISTS = 16;
const REGEX = 17;

export interface FastTest {
  op: number;
  n: number;
  s: string;
  re: RegExp | null;
}

const isNum = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
const num = (v: number | boolean): number => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

const check = (op: number, n = 0, s = '', re: RegExp | null = null): FastTest => ({ op, n, s, re });

function equality(p: unknown, str: number, numeric: number): FastTest | null {
  if (typeof p === 'string') return check(str, 0, p);
  return isNum(p) ? check(numeric, num(p)) : null;
}

function stringCheck(op: number, p: unknown, fold: boolean): FastTest | null {
  if (typeof p !== 'string') return null;
  return check(op, 0, fold ? p.toLowerCase() : p);
}

/** A specialised check for `type` with the fixed `pattern` (regex already compiled), or null to use the generic operator. */
export function fastTest(type: string, pattern: unknown, regex: RegExp | null): FastTest | null {
  if (regex) return check(REGEX, 0, '', regex);
  if (pattern === null || pattern === undefined) return null;
  switch (type) {
    case 'equals': case 'eq': return equality(pattern, EQ_STR, EQ_NUM);
    case 'nequals': case 'neq': return equality(pattern, NEQ_STR, NEQ_NUM);
    case 'iequals': case 'ieq': return stringCheck(IEQ, pattern, true);
    case 'startswith': return stringCheck(STARTS, pattern, false);
    case 'istartswith': return stringCheck(ISTARTS, pattern, true);
    case 'endswith': return stringCheck(ENDS, pattern, false);
    case 'iendswith': return stringCheck(IENDS, pattern, true);
    case 'icontains': return stringCheck(ICONTAINS, pattern, true);
    case 'incontains': return stringCheck(INCONTAINS, pattern, true);
    case 'contains': return stringCheck(CONTAINS, pattern, false);
    case 'ncontains': return stringCheck(NCONTAINS, pattern, false);
    case 'greaterthan': case 'gt': return isNum(pattern) ? check(GT, num(pattern)) : null;
    case 'lessthan': case 'lt': return isNum(pattern) ? check(LT, num(pattern)) : null;
    case 'exists': return check(EXISTS);
    case 'nexists': return check(NEXISTS);
    default: return null;
  }
}

// Python's `s in value` for a string s: a substring, a list element, a dict key; anything
// else is a TypeError (null then: the criterion fails either way).
function pyContains(value: unknown, s: string): boolean | null {
  if (typeof value === 'string') return value.includes(s);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (value[i] === s) return true;
    return false;
  }
  if (typeof value === 'object' && value !== null) return Object.prototype.hasOwnProperty.call(value, s);
  return null;
}

/** The check's outcome for `v`. */
export function passesFast(t: FastTest, v: unknown): boolean {
  switch (t.op) {
    case EQ_STR: return v === t.s;
    case EQ_NUM: return isNum(v) && num(v) === t.n;
    case NEQ_STR: return v !== t.s;
    case NEQ_NUM: return !(isNum(v) && num(v) === t.n);
    case IEQ: return typeof v === 'string' && v.toLowerCase() === t.s;
    case STARTS: return typeof v === 'string' && v.startsWith(t.s);
    case ISTARTS: return typeof v === 'string' && v.toLowerCase().startsWith(t.s);
    case ENDS: return typeof v === 'string' && v.endsWith(t.s);
    case IENDS: return typeof v === 'string' && v.toLowerCase().endsWith(t.s);
    case ICONTAINS: return typeof v === 'string' && v.toLowerCase().includes(t.s);
    case INCONTAINS: return typeof v === 'string' && !v.toLowerCase().includes(t.s);
    case CONTAINS: return pyContains(v, t.s) === true;
    case NCONTAINS: return pyContains(v, t.s) === false;
    // pyCompare's Math.sign(a - b) is 1 exactly when a > b (NaN: neither).
    case GT: return isNum(v) && num(v) > t.n;
    case LT: return isNum(v) && num(v) < t.n;
    case EXISTS: return v !== null && v !== undefined;
    case NEXISTS: return v === null || v === undefined;
    default: {
      if (typeof v !== 'string') return false;
      const re = t.re!;
      re.lastIndex = 0;
      return re.test(v);
    }
  }
}
