// Specialised checks for the common operators with a fixed (non-template) pattern: the same
// outcomes as operators.ts, without its generic Python-semantics dispatch on every event.
// The matcher runs these millions of times a second; operators.test.ts and
// fast-tests.test.ts check both paths agree.

type Test = (value: unknown) => boolean;

const isNum = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
const num = (v: number | boolean): number => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

function equalsTest(p: unknown): Test | null {
  if (typeof p === 'string') return (v) => v === p;
  if (isNum(p)) {
    const n = num(p);
    return (v) => isNum(v) && num(v) === n;
  }
  return null;
}

function stringTest(p: unknown, f: (v: string, p: string) => boolean, fold: boolean): Test | null {
  if (typeof p !== 'string') return null;
  const q = fold ? p.toLowerCase() : p;
  return fold ? (v) => typeof v === 'string' && f(v.toLowerCase(), q) : (v) => typeof v === 'string' && f(v, q);
}

function compareTest(p: unknown, sign: 1 | -1): Test | null {
  if (!isNum(p)) return null;
  const n = num(p);
  return (v) => isNum(v) && Math.sign(num(v) - n) === sign;
}

/** A specialised check for `type` with the fixed `pattern` (regex already compiled), or null to use the generic operator. */
export function fastTest(type: string, pattern: unknown, regex: RegExp | null): Test | null {
  if (regex) {
    return (v) => {
      if (typeof v !== 'string') return false;
      regex.lastIndex = 0;
      return regex.test(v);
    };
  }
  if (pattern === null || pattern === undefined) return null;
  switch (type) {
    case 'equals': case 'eq': return equalsTest(pattern);
    case 'nequals': case 'neq': {
      const eq = equalsTest(pattern);
      return eq && ((v) => !eq(v));
    }
    case 'iequals': case 'ieq': return stringTest(pattern, (v, p) => v === p, true);
    case 'startswith': return stringTest(pattern, (v, p) => v.startsWith(p), false);
    case 'istartswith': return stringTest(pattern, (v, p) => v.startsWith(p), true);
    case 'endswith': return stringTest(pattern, (v, p) => v.endsWith(p), false);
    case 'iendswith': return stringTest(pattern, (v, p) => v.endsWith(p), true);
    case 'icontains': return stringTest(pattern, (v, p) => v.includes(p), true);
    case 'incontains': return stringTest(pattern, (v, p) => !v.includes(p), true);
    case 'greaterthan': case 'gt': return compareTest(pattern, 1);
    case 'lessthan': case 'lt': return compareTest(pattern, -1);
    case 'exists': return (v) => v !== null && v !== undefined;
    case 'nexists': return (v) => v === null || v === undefined;
    default: return null;
  }
}
