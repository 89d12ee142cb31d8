// The Python methods templates call on strings, lists and dicts (`s.split(',')`,
// `d.get('k', 1)`, `l.append(x)`), as a whitelist keyed by the value's type. Nothing is
// ever looked up on a JavaScript prototype: a name missing here is simply undefined.
import { strFormat } from './format.js';
import { arg, checkArgs } from './args.js';
import {
  checkWidth, defined, eq, evalError, hasOwn, isDict, iterate, newDict, repr, setOwn, str, toInt, Callable, toData, tuple,
  type Dict,
} from './values.js';

type Method<T> = (self: T, args: unknown[], kwargs: Dict) => unknown;

function strArg(fn: string, v: unknown): string {
  if (typeof v !== 'string') throw evalError(`${fn}() argument must be str, not ${repr(v)}`);
  return v;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function stripper(side: 'both' | 'left' | 'right'): Method<string> {
  return (s, args, kw) => {
    checkArgs('strip', args, kw, ['chars']);
    const chars = arg('strip', args, kw, 0, 'chars', null);
    const set = chars === null ? '\\s' : escapeRe(strArg('strip', chars));
    if (!set) return s;
    let out = s;
    if (side !== 'right') out = out.replace(new RegExp(`^[${set}]+`, 'u'), '');
    if (side !== 'left') out = out.replace(new RegExp(`[${set}]+$`, 'u'), '');
    return out;
  };
}

/** Python's str.split / rsplit, including maxsplit leaving the rest in the last part. */
function split(s: string, sep: unknown, maxsplit: number, fromRight: boolean): string[] {
  if (sep === null) {
    const words = s.trim() === '' ? [] : s.trim().split(/\s+/);
    if (maxsplit < 0 || words.length <= maxsplit + 1) return words;
    if (fromRight) {
      const head = s.trimEnd();
      const parts = words.slice(words.length - maxsplit);
      let rest = head;
      for (const p of [...parts].reverse()) rest = rest.slice(0, rest.lastIndexOf(p)).trimEnd();
      return [rest, ...parts];
    }
    const parts = words.slice(0, maxsplit);
    let rest = s.trimStart();
    for (const p of parts) rest = rest.slice(p.length).trimStart();
    return [...parts, rest];
  }
  const d = strArg('split', sep);
  if (d === '') throw evalError('empty separator');
  const all = s.split(d);
  if (maxsplit < 0 || all.length <= maxsplit + 1) return all;
  if (fromRight) return [all.slice(0, all.length - maxsplit).join(d), ...all.slice(all.length - maxsplit)];
  return [...all.slice(0, maxsplit), all.slice(maxsplit).join(d)];
}

function affix(name: 'startswith' | 'endswith'): Method<string> {
  return (s, args, kw) => {
    const p = arg(name, args, kw, 0, 'prefix');
    const options = Array.isArray(p) ? p : [p];
    return options.some((o) => (name === 'startswith' ? s.startsWith(strArg(name, o)) : s.endsWith(strArg(name, o))));
  };
}

function justify(align: '<' | '>' | '^'): Method<string> {
  return (s, args, kw) => {
    const width = checkWidth(toInt(arg('just', args, kw, 0, 'width')));
    const fill = strArg('just', arg('just', args, kw, 1, 'fillchar', ' '));
    const n = width - [...s].length;
    if (n <= 0) return s;
    if (align === '<') return s + fill.repeat(n);
    if (align === '>') return fill.repeat(n) + s;
    const left = Math.floor(n / 2) + (n % 2 && width % 2 ? 1 : 0);
    return fill.repeat(left) + s + fill.repeat(n - left);
  };
}

const test = (re: RegExp): Method<string> => (s) => s.length > 0 && re.test(s);

function titleCase(s: string): string {
  return s.replace(/\p{L}+/gu, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
}

const strMethods = new Map<string, Method<string>>([
  ['upper', (s) => s.toUpperCase()],
  ['lower', (s) => s.toLowerCase()],
  ['casefold', (s) => s.toLowerCase()],
  ['swapcase', (s) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('')],
  ['capitalize', (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase()],
  ['title', (s) => titleCase(s)],
  ['strip', stripper('both')],
  ['lstrip', stripper('left')],
  ['rstrip', stripper('right')],
  ['split', (s, a, kw) => split(s, arg('split', a, kw, 0, 'sep', null), toInt(arg('split', a, kw, 1, 'maxsplit', -1)), false)],
  ['rsplit', (s, a, kw) => split(s, arg('rsplit', a, kw, 0, 'sep', null), toInt(arg('rsplit', a, kw, 1, 'maxsplit', -1)), true)],
  ['splitlines', (s) => (s === '' ? [] : s.replace(/(\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/))],
  ['startswith', affix('startswith')],
  ['endswith', affix('endswith')],
  ['replace', (s, a, kw) => {
    const [from, to] = [strArg('replace', arg('replace', a, kw, 0, 'old')), strArg('replace', arg('replace', a, kw, 1, 'new'))];
    const count = toInt(arg('replace', a, kw, 2, 'count', -1));
    const parts = from === '' ? ['', ...[...s], ''] : s.split(from);
    checkWidth(s.length + (parts.length - 1) * (to.length - from.length));
    if (count < 0 || parts.length - 1 <= count) return parts.join(to);
    return parts.slice(0, count + 1).join(to) + from + parts.slice(count + 1).join(from);
  }],
  ['join', (s, a, kw) => iterate(arg('join', a, kw, 0, 'iterable')).map((x) => {
    if (typeof x !== 'string') throw evalError(`sequence item: expected str instance, ${repr(x)} found`);
    return x;
  }).join(s)],
  ['format', (s, a, kw) => strFormat(s, a, kw)],
  ['find', (s, a, kw) => s.indexOf(strArg('find', arg('find', a, kw, 0, 'sub')))],
  ['rfind', (s, a, kw) => s.lastIndexOf(strArg('rfind', arg('rfind', a, kw, 0, 'sub')))],
  ['index', (s, a, kw) => {
    const i = s.indexOf(strArg('index', arg('index', a, kw, 0, 'sub')));
    if (i < 0) throw evalError('substring not found');
    return i;
  }],
  ['count', (s, a, kw) => {
    const sub = strArg('count', arg('count', a, kw, 0, 'sub'));
    return sub === '' ? [...s].length + 1 : s.split(sub).length - 1;
  }],
  ['isdigit', test(/^\p{Nd}+$/u)],
  ['isnumeric', test(/^\p{N}+$/u)],
  ['isdecimal', test(/^\p{Nd}+$/u)],
  ['isalpha', test(/^\p{L}+$/u)],
  ['isalnum', test(/^[\p{L}\p{N}]+$/u)],
  ['isspace', test(/^\s+$/)],
  ['islower', (s) => /\p{Ll}/u.test(s) && !/\p{Lu}/u.test(s)],
  ['isupper', (s) => /\p{Lu}/u.test(s) && !/\p{Ll}/u.test(s)],
  ['zfill', (s, a, kw) => {
    const width = checkWidth(toInt(arg('zfill', a, kw, 0, 'width')));
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + s.slice(sign.length).padStart(width - sign.length, '0');
  }],
  ['center', justify('^')],
  ['ljust', justify('<')],
  ['rjust', justify('>')],
  ['partition', (s, a, kw) => {
    const sep = strArg('partition', arg('partition', a, kw, 0, 'sep'));
    const i = s.indexOf(sep);
    return i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)];
  }],
]);

function listIndex(l: unknown[], i: number): number {
  const j = i < 0 ? l.length + i : i;
  if (j < 0 || j >= l.length) throw evalError('list index out of range');
  return j;
}

const listMethods = new Map<string, Method<unknown[]>>([
  ['append', (l, a, kw) => { l.push(toData(defined(arg('append', a, kw, 0, 'object')))); return null; }],
  ['extend', (l, a, kw) => { l.push(...iterate(arg('extend', a, kw, 0, 'iterable')).map((x) => toData(x))); return null; }],
  ['insert', (l, a, kw) => {
    const i = toInt(arg('insert', a, kw, 0, 'index'));
    l.splice(i < 0 ? Math.max(0, l.length + i) : i, 0, toData(defined(arg('insert', a, kw, 1, 'object'))));
    return null;
  }],
  ['pop', (l, a, kw) => {
    if (!l.length) throw evalError('pop from empty list');
    return l.splice(listIndex(l, toInt(arg('pop', a, kw, 0, 'index', -1))), 1)[0];
  }],
  ['remove', (l, a, kw) => {
    const x = arg('remove', a, kw, 0, 'value');
    const i = l.findIndex((y) => eq(y, x));
    if (i < 0) throw evalError('list.remove(x): x not in list');
    l.splice(i, 1);
    return null;
  }],
  ['index', (l, a, kw) => {
    const x = arg('index', a, kw, 0, 'value');
    const i = l.findIndex((y) => eq(y, x));
    if (i < 0) throw evalError(`${repr(x)} is not in list`);
    return i;
  }],
  ['count', (l, a, kw) => { const x = arg('count', a, kw, 0, 'value'); return l.filter((y) => eq(y, x)).length; }],
  ['copy', (l) => [...l]],
  ['reverse', (l) => { l.reverse(); return null; }],
]);

const dictMethods = new Map<string, Method<Dict>>([
  ['get', (d, a, kw) => {
    const k = arg('get', a, kw, 0, 'key');
    return typeof k === 'string' && hasOwn(d, k) ? d[k] : arg('get', a, kw, 1, 'default', null);
  }],
  ['keys', (d) => Object.keys(d)],
  ['values', (d) => Object.values(d)],
  ['items', (d) => Object.entries(d).map(tuple)],
  ['copy', (d) => newDict(Object.entries(d))],
  ['update', (d, a, kw) => {
    if (a.length) {
      const other = a[0];
      if (isDict(other)) for (const k of Object.keys(other)) setOwn(d, k, toData(other[k]));
      else for (const pair of iterate(other)) {
        if (!Array.isArray(pair) || pair.length !== 2) throw evalError('dictionary update sequence element has wrong length');
        setOwn(d, str(pair[0]), toData(pair[1]));
      }
    }
    for (const k of Object.keys(kw)) setOwn(d, k, toData(kw[k]));
    return null;
  }],
  ['pop', (d, a, kw) => {
    const k = str(arg('pop', a, kw, 0, 'key'));
    if (hasOwn(d, k)) {
      const v = d[k];
      delete d[k];
      return v;
    }
    if (a.length > 1) return a[1];
    throw evalError(`KeyError: ${repr(k)}`);
  }],
  ['setdefault', (d, a, kw) => {
    const k = str(arg('setdefault', a, kw, 0, 'key'));
    if (!hasOwn(d, k)) setOwn(d, k, toData(arg('setdefault', a, kw, 1, 'default', null)));
    return d[k];
  }],
]);

/** The bound method `name` of `self`, or undefined when its type has none by that name. */
export function methodOf(self: unknown, name: string): Callable | undefined {
  if (typeof self === 'string') return bind(strMethods, self, name);
  if (Array.isArray(self)) return bind(listMethods, self, name);
  if (typeof self === 'object' && self !== null && isDict(self)) return bind(dictMethods, self, name);
  return undefined;
}

function bind<T>(table: Map<string, Method<T>>, self: T, name: string): Callable | undefined {
  const m = table.get(name);
  return m ? new Callable(name, (args, kwargs) => m(self, args, kwargs)) : undefined;
}

