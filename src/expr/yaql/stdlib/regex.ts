// yaql's regular-expression functions (regex.py), with Python `re` syntax.
import { argValues, childCtx, type Inv, lazyFn, noMatch, valueFn, type YaqlFunction } from '../runtime.js';
import { type Dict, YaqlRegex } from '../values.js';
import { compilePy, escapeRegex, expandTemplate, pyFindAll, pySearch, pySplit, pySub } from '../pyregex.js';
import { arity, asInt, asString } from './args.js';

function matchRecord(m: RegExpExecArray, group: number | string): Dict {
  const value = typeof group === 'number' ? m[group] : m.groups?.[group];
  const span = typeof group === 'number' ? m.indices?.[group] : m.indices?.groups?.[group];
  return { value: value ?? null, start: span ? span[0] : -1, end: span ? span[1] : -1 };
}

/** A selector's view of a match: `$` is the whole match, `$2`… the groups, `$name` named groups. */
function applyToMatch(inv: Inv, argIndex: number, m: RegExpExecArray): unknown {
  const node = inv.args[argIndex]!;
  const groups = Array.from({ length: m.length }, (_, i) => matchRecord(m, i));
  const named: Dict = {};
  for (const name of Object.keys(m.groups ?? {})) named[name] = matchRecord(m, name);
  return node.ev(childCtx(inv.ctx, groups, named));
}

function regexFirst(inv: Inv): { re: YaqlRegex; s: string } {
  const re = inv.args[0]?.ev(inv.ctx);
  const s = inv.args[1]?.ev(inv.ctx);
  if (!(re instanceof YaqlRegex) || typeof s !== 'string') throw noMatch(inv);
  return { re, s };
}

function kwOrArg(inv: Inv, names: string[], a: unknown[], i: number): unknown {
  for (const n of names) if (inv.kw?.[n]) return inv.kw[n]!.ev(inv.ctx);
  return a[i];
}

/** split(regex) on a string, or regex.split(string). */
export function regexSplit(a: unknown[], inv: Inv): (string | null)[] {
  arity(a, inv, 2, 3);
  const [re, s] = a[0] instanceof YaqlRegex ? [a[0], a[1]] : [a[1], a[0]];
  return pySplit(re as YaqlRegex, asString(s, inv), asInt(a[2], inv, 0), inv.pos);
}

/** replace(regex, repl) on a string, or regex.replace(string, repl); count 0 replaces all. */
export function regexReplace(a: unknown[], inv: Inv): string {
  arity(a, inv, 3, 4);
  const [re, s] = a[0] instanceof YaqlRegex ? [a[0], a[1]] : [a[1], a[0]];
  const repl = asString(a[2], inv);
  return pySub(re as YaqlRegex, asString(s, inv), (m) => expandTemplate(repl, m, inv.pos), asInt(a[3], inv, 0), inv.pos);
}

function replaceBy(inv: Inv): string {
  if (inv.args.length < 3 || inv.args.length > 4) throw noMatch(inv);
  const first = inv.args[0]!.ev(inv.ctx);
  const second = inv.args[1]!.ev(inv.ctx);
  const [re, s] = first instanceof YaqlRegex ? [first, second] : [second, first];
  if (!(re instanceof YaqlRegex) || typeof s !== 'string') throw noMatch(inv);
  const count = inv.args[3] ? asInt(inv.args[3].ev(inv.ctx), inv) : 0;
  return pySub(re, s, (m) => String(applyToMatch(inv, 2, m)), count, inv.pos);
}

export const regex: Record<string, YaqlFunction> = {
  regex: lazyFn('function', (inv) => {
    const a = argValues(inv);
    arity(a, inv, 1, 4);
    if (inv.kw && Object.keys(inv.kw).some((k) => !['ignoreCase', 'multiLine', 'dotAll'].includes(k))) {
      throw noMatch(inv, 'its named arguments are ignoreCase, multiLine and dotAll');
    }
    let flags = '';
    if (kwOrArg(inv, ['ignoreCase'], a, 1) === true) flags += 'i';
    if (kwOrArg(inv, ['multiLine'], a, 2) === true) flags += 'm';
    if (kwOrArg(inv, ['dotAll'], a, 3) === true) flags += 's';
    return compilePy(asString(a[0], inv), flags, inv.pos);
  }),
  matches: valueFn('method', (a, inv) => {
    arity(a, inv, 2);
    if (a[0] instanceof YaqlRegex) return pySearch(a[0], asString(a[1], inv), inv.pos) !== null;
    return pySearch(asString(a[1], inv), asString(a[0], inv), inv.pos) !== null;
  }),
  search: lazyFn('method', (inv) => {
    if (inv.args.length > 3) throw noMatch(inv);
    const { re, s } = regexFirst(inv);
    const m = pySearch(re, s, inv.pos);
    if (!m) return null;
    return inv.args.length > 2 ? applyToMatch(inv, 2, m) : m[0];
  }),
  searchAll: lazyFn('method', (inv) => {
    if (inv.args.length > 3) throw noMatch(inv);
    const { re, s } = regexFirst(inv);
    return pyFindAll(re, s, inv.pos).map((m) => (inv.args.length > 2 ? applyToMatch(inv, 2, m) : m[0]));
  }),
  replaceBy: lazyFn('method', replaceBy),
  escapeRegex: valueFn('function', (a, inv) => (arity(a, inv, 1), escapeRegex(asString(a[0], inv)))),
  isRegex: valueFn('function', (a, inv) => (arity(a, inv, 1), a[0] instanceof YaqlRegex)),
};
