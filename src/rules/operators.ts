// Every st2 criteria operator (st2common/operators.py) with st2's semantics, including
// its short aliases. An operator that hits a Python TypeError in st2 returns false here.
import { compilePy } from '../expr/yaql/pyregex.js';
import { SquallError } from '../errors.js';
import { fnmatchRegex, pyCompare, pyEq, pyIn, pyStr, PyTypeError } from './py.js';

export interface OpContext {
  /** Epoch ms, for timediff_lt / timediff_gt. */
  now: number;
}

export type Operator = (value: unknown, pattern: unknown, ctx: OpContext) => boolean;

export type RegexMode = 'match' | 'search' | 'isearch' | 'wildcard';

/** Compiles a criteria pattern the way st2's operator would; throws RULE_INVALID with the reason. */
export function compilePattern(pattern: string, mode: RegexMode): RegExp {
  if (mode === 'wildcard') return fnmatchRegex(pattern);
  try {
    // matchregex is re.match with DOTALL (anchored at the start only); regex/iregex are re.search.
    const r = compilePy(pattern, mode === 'match' ? 's' : mode === 'isearch' ? 'i' : '', 0).re;
    return new RegExp(r.source, r.flags.replace('d', '') + (mode === 'match' ? 'y' : ''));
  } catch (err) {
    throw new SquallError('RULE_INVALID', `invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message.replace(/^position 0: /, '')}`, {}, { cause: err });
  }
}

// One compiled regex per pattern text per process would be shared state; instead the
// matcher hands operators already-compiled patterns (see criteria.ts), and these
// fallbacks compile on the fly for patterns rendered from templates.
function regexOp(mode: RegexMode): Operator {
  return (value, pattern) => {
    if (pattern === null || pattern === undefined) return false;
    const re = pattern instanceof RegExp ? pattern : compilePattern(pyStr(pattern), mode);
    const s = pyStr(value);
    re.lastIndex = 0;
    return re.test(s);
  };
}

const notNone = (op: Operator): Operator => (value, pattern, ctx) => (pattern === null || pattern === undefined ? false : op(value, pattern, ctx));

// dateutil.parse reads a string without a zone as UTC in st2's _timediff.
function parseDate(v: unknown): number {
  let s = pyStr(v).trim();
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(s)) {
    s = s.replace(' ', 'T');
    if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(s)) s += 'Z';
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new PyTypeError(`unknown date format: ${s}`);
  return t;
}

const timediff = (sign: -1 | 1): Operator => notNone((value, pattern, ctx) => pyCompare((ctx.now - parseDate(value)) / 1000, pattern) === sign);

const lower = (v: unknown) => pyStr(v).toLowerCase();

const equals = notNone((v, p) => pyEq(v, p));
const nequals: Operator = (v, p) => !pyEq(v, p);
const iequals = notNone((v, p) => lower(v) === lower(p));
const lessthan = notNone((v, p) => pyCompare(v, p) < 0);
const greaterthan = notNone((v, p) => pyCompare(v, p) > 0);
const inside = notNone((v, p) => pyIn(v, p));
const ninside = notNone((v, p) => !pyIn(v, p));
const timediffLt = timediff(-1);
const timediffGt = timediff(1);

/** Operator functions by name (st2's names and aliases). `search` is handled by the criteria evaluator. */
export const operators: Readonly<Record<string, Operator>> = {
  equals, eq: equals,
  nequals, neq: nequals,
  iequals, ieq: iequals,
  lessthan, lt: lessthan,
  greaterthan, gt: greaterthan,
  matchwildcard: regexOp('wildcard'),
  matchregex: regexOp('match'),
  regex: regexOp('search'),
  iregex: regexOp('isearch'),
  contains: notNone((v, p) => pyIn(p, v)),
  ncontains: notNone((v, p) => !pyIn(p, v)),
  icontains: notNone((v, p) => lower(v).includes(lower(p))),
  incontains: notNone((v, p) => !lower(v).includes(lower(p))),
  startswith: notNone((v, p) => pyStr(v).startsWith(pyStr(p))),
  istartswith: notNone((v, p) => lower(v).startsWith(lower(p))),
  endswith: notNone((v, p) => pyStr(v).endsWith(pyStr(p))),
  iendswith: notNone((v, p) => lower(v).endsWith(lower(p))),
  timediff_lt: timediffLt, td_lt: timediffLt,
  timediff_gt: timediffGt, td_gt: timediffGt,
  exists: (v) => v !== null && v !== undefined,
  nexists: (v) => v === null || v === undefined,
  inside, in: inside,
  ninside, nin: ninside,
};

/** Which compiled-regex mode an operator uses, if any. */
export const regexModes: Readonly<Record<string, RegexMode>> = {
  matchwildcard: 'wildcard', matchregex: 'match', regex: 'search', iregex: 'isearch',
};

/** All operator names a rule may use (st2 matches them case-insensitively). */
export const OPERATOR_NAMES: readonly string[] = [...Object.keys(operators), 'search'].sort();
