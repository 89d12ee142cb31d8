// Python `re` patterns and replacement templates on top of JavaScript's RegExp. yaql hands
// patterns straight to Python's re, so users write Python syntax: (?P<name>…), (?P=name),
// \A, \Z, leading inline flags (?i), and \1 or \g<name> in replacements.
import { evalError, YaqlRegex } from './values.js';

const INLINE_FLAGS: Record<string, string> = { i: 'i', m: 'm', s: 's' };

function translate(pattern: string, pos: number): { source: string; flags: string } {
  let flags = '';
  let body = pattern;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (lead) {
    for (const f of lead[1]!) {
      if (!(f in INLINE_FLAGS)) throw evalError(pos, `regular expression flag '${f}' is not supported`);
      if (!flags.includes(INLINE_FLAGS[f]!)) flags += INLINE_FLAGS[f];
    }
    body = body.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const n = body[i + 1] ?? '';
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?![\\s\\S])';
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal in Python.
      if (body[i + 1] === '^') out += body[++i];
      if (body[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (body.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(body.slice(i));
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    // Python's $ (without MULTILINE) also matches just before a final newline.
    if (c === '$' && !flags.includes('m')) {
      out += '(?=\\n?(?![\\s\\S]))';
      continue;
    }
    out += c;
  }
  return { source: out, flags };
}

/** Compiles a Python pattern; a pattern JavaScript cannot compile is an evaluation error. */
export function compilePy(pattern: string, extraFlags: string, pos: number): YaqlRegex {
  const { source, flags } = translate(pattern, pos);
  let all = flags;
  for (const f of extraFlags) if (!all.includes(f)) all += f;
  try {
    return new YaqlRegex(pattern, new RegExp(source, all + 'd'));
  } catch (err) {
    throw evalError(pos, `invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

function toRegex(p: string | YaqlRegex, pos: number): YaqlRegex {
  return typeof p === 'string' ? compilePy(p, '', pos) : p;
}

function globalCopy(r: YaqlRegex): RegExp {
  return new RegExp(r.re.source, r.re.flags.includes('g') ? r.re.flags : r.re.flags + 'g');
}

/** re.search: the first match anywhere in `s`, or null. */
export function pySearch(p: string | YaqlRegex, s: string, pos: number): RegExpExecArray | null {
  const r = toRegex(p, pos);
  r.re.lastIndex = 0;
  return r.re.exec(s);
}

/** re.finditer: every non-overlapping match. */
export function pyFindAll(p: string | YaqlRegex, s: string, pos: number): RegExpExecArray[] {
  const re = globalCopy(toRegex(p, pos));
  const out: RegExpExecArray[] = [];
  for (let m = re.exec(s); m; m = re.exec(s)) {
    out.push(m);
    if (m[0] === '') re.lastIndex++;
  }
  return out;
}

/** re.split(pattern, s, maxsplit): captured groups are kept, 0 means no limit. */
export function pySplit(p: string | YaqlRegex, s: string, maxSplit: number, pos: number): (string | null)[] {
  const out: (string | null)[] = [];
  let last = 0;
  let splits = 0;
  for (const m of pyFindAll(p, s, pos)) {
    if (maxSplit > 0 && splits >= maxSplit) break;
    out.push(s.slice(last, m.index), ...m.slice(1).map((g) => g ?? null));
    last = m.index + m[0].length;
    splits++;
  }
  out.push(s.slice(last));
  return out;
}

/** re.sub with `repl` a function of the match; count 0 replaces every match. */
export function pySub(p: string | YaqlRegex, s: string, repl: (m: RegExpExecArray) => string, count: number, pos: number): string {
  let out = '';
  let last = 0;
  let n = 0;
  for (const m of pyFindAll(p, s, pos)) {
    if (count > 0 && n >= count) break;
    out += s.slice(last, m.index) + repl(m);
    last = m.index + m[0].length;
    n++;
  }
  return out + s.slice(last);
}

/** Expands a Python replacement template (\1, \g<1>, \g<name>, \n) for one match. */
export function expandTemplate(template: string, m: RegExpExecArray, pos: number): string {
  return template.replace(/\\(g<(\w+)>|\d{1,2}|[\\nrtfv])/g, (_all, e: string, name: string | undefined) => {
    const ref = name ?? (/^\d/.test(e) ? e : undefined);
    if (ref === undefined) return ({ '\\': '\\', n: '\n', r: '\r', t: '\t', f: '\f', v: '\v' } as Record<string, string>)[e]!;
    const group = /^\d+$/.test(ref) ? m[Number(ref)] : m.groups?.[ref];
    if (group === undefined && !(/^\d+$/.test(ref) && Number(ref) < m.length)) throw evalError(pos, `invalid group reference ${ref} in replacement`);
    return group ?? '';
  });
}

/** Python 3.7+'s re.escape: only characters special in a pattern get a backslash. */
export function escapeRegex(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`);
}
