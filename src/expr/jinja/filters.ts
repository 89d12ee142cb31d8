// Jinja2's built-in filters (jinja2/filters.py), over plain data. Each takes the value, the
// positional and keyword arguments, and the runtime (other filters and tests, for map/select).
import { percentFormat } from './format.js';
import type { Filter } from './filter-api.js';
import { collectionFilters } from './filters-collections.js';
import { arg, checkArgs } from './args.js';
import {
  MAX_STRING_CHARS, PyFloat, Undefined, checkWidth, tuple, defined, evalError, isDict, iterate, length, pyFloat, repr, str, toFloat, toInt,
} from './values.js';
import { pyJson } from './json.js';

export type { Filter, FilterRuntime } from './filter-api.js';

function asString(fn: string, v: unknown): string {
  return str(defined(v));
}

function capString(s: string): string {
  if (s.length > MAX_STRING_CHARS) throw evalError(`string would exceed ${MAX_STRING_CHARS} characters`);
  return s;
}

/**
 * Python's round(): decided on the double's exact decimal value (2.675 is 2.67499… so it rounds
 * down), ties to even. Jinja's 'common' method calls it.
 */
function roundHalfEven(n: number, precision: number): number {
  if (!Number.isFinite(n) || Math.abs(n) >= 1e21) return n;
  if (precision < 0) {
    const f = 10 ** -precision;
    return roundHalfEven(n / f, 0) * f;
  }
  const [int, frac = ''] = Math.abs(n).toFixed(Math.min(100, precision + 30)).split('.') as [string, string?];
  let digits = BigInt(int + frac.slice(0, precision));
  const next = frac[precision] ?? '0';
  const beyond = /[1-9]/.test(frac.slice(precision + 1));
  if (next > '5' || (next === '5' && (beyond || digits % 2n === 1n))) digits += 1n;
  const out = Number(digits) / 10 ** precision;
  return n < 0 ? -out : out;
}

function indent(s: string, width: unknown, first: boolean, blank: boolean): string {
  const pad = typeof width === 'string' ? width : ' '.repeat(checkWidth(toInt(width)));
  const lines = s.split('\n');
  const out = lines.map((line, i) => {
    if (i === 0 && !first) return line;
    if (!blank && line.trim() === '') return line;
    return pad + line;
  });
  return out.join('\n');
}

function truncate(s: string, len: number, killwords: boolean, end: string, leeway: number): string {
  if (len < end.length) throw evalError(`expected length >= ${end.length}, got ${len}`);
  if (leeway < 0) throw evalError(`expected leeway >= 0, got ${leeway}`);
  if ([...s].length <= len + leeway) return s;
  const cut = [...s].slice(0, len - end.length).join('');
  if (killwords) return cut + end;
  const i = cut.lastIndexOf(' ');
  return (i < 0 ? cut : cut.slice(0, i)) + end;
}

function wordwrap(s: string, width: number, breakLong: boolean, wrap: string): string {
  const out: string[] = [];
  for (const para of s.split(/\r\n|\r|\n/)) {
    const words = para.split(/\s+/).filter(Boolean);
    let line = '';
    for (let w of words) {
      while (breakLong && w.length > width) {
        if (line) {
          const room = width - line.length - 1;
          if (room > 0) {
            out.push(line + ' ' + w.slice(0, room));
            w = w.slice(room);
          } else out.push(line);
          line = '';
          continue;
        }
        out.push(w.slice(0, width));
        w = w.slice(width);
      }
      if (!line) line = w;
      else if (line.length + 1 + w.length <= width) line += ' ' + w;
      else {
        out.push(line);
        line = w;
      }
    }
    if (line || !words.length) out.push(line);
  }
  return out.join(wrap);
}

function urlencodePart(v: unknown): string {
  return encodeURIComponent(str(v)).replace(/[!'()*~]/g, (c) => (c === '~' ? c : '%' + c.charCodeAt(0).toString(16).toUpperCase()));
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

const textFilters: Record<string, Filter> = {
  abs(v) {
    if (v instanceof PyFloat) return new PyFloat(Math.abs(v.value));
    if (typeof v === 'number' || typeof v === 'boolean') return Math.abs(Number(v));
    throw evalError(`bad operand type for abs(): '${typeof v === 'string' ? 'str' : repr(v)}'`);
  },
  capitalize: (v) => { const s = asString('capitalize', v); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); },
  center: (v, a, kw) => {
    const s = asString('center', v);
    const width = checkWidth(toInt(arg('center', a, kw, 0, 'width', 80)));
    const n = width - s.length;
    if (n <= 0) return s;
    const left = Math.floor(n / 2) + (n % 2 && width % 2 ? 1 : 0);
    return ' '.repeat(left) + s + ' '.repeat(n - left);
  },
  default: (v, a, kw) => {
    checkArgs('default', a, kw, ['default_value', 'boolean']);
    const dflt = arg('default', a, kw, 0, 'default_value', '');
    const bool = arg('default', a, kw, 1, 'boolean', false);
    if (v instanceof Undefined) return dflt;
    if (bool === true && !(v !== null && v !== false && v !== 0 && v !== '' && !(Array.isArray(v) && !v.length) && !(isDict(v) && !Object.keys(v).length))) return dflt;
    return v;
  },
  escape: (v) => xmlEscape(asString('escape', v)),
  float: (v, a, kw) => {
    try {
      return pyFloat(toFloat(v));
    } catch {
      return arg('float', a, kw, 0, 'default', new PyFloat(0));
    }
  },
  format: (v, a, kw) => {
    if (a.length && Object.keys(kw).length) throw evalError("can't handle positional and keyword arguments at the same time");
    return percentFormat(asString('format', v), Object.keys(kw).length ? kw : tuple(a));
  },
  filesizeformat: (v, a, kw) => {
    const bytes = toFloat(v);
    const binary = arg('filesizeformat', a, kw, 0, 'binary', false) === true;
    const base = binary ? 1024 : 1000;
    const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
    if (bytes === 1) return '1 Byte';
    if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
    let i = 0;
    while (i < prefixes.length - 1 && bytes >= base ** (i + 2)) i++;
    return `${(bytes / base ** (i + 1)).toFixed(1)} ${prefixes[i]}`;
  },
  indent: (v, a, kw) => indent(asString('indent', v), arg('indent', a, kw, 0, 'width', 4),
    arg('indent', a, kw, 1, 'first', false) === true, arg('indent', a, kw, 2, 'blank', false) === true),
  int: (v, a, kw) => {
    const dflt = arg('int', a, kw, 0, 'default', 0);
    const base = toInt(arg('int', a, kw, 1, 'base', 10));
    if (typeof v === 'string' && base !== 10) {
      const s = v.trim().toLowerCase().replace(/^0[xob]/, '');
      const n = parseInt(s, base);
      return Number.isNaN(n) || !/^[0-9a-z]+$/.test(s) ? dflt : n;
    }
    try {
      return toInt(v);
    } catch {
      try {
        return Math.trunc(toFloat(v));
      } catch {
        return dflt;
      }
    }
  },
  length: (v) => length(v),
  lower: (v) => asString('lower', v).toLowerCase(),
  pprint: (v) => repr(v),
  replace: (v, a, kw) => {
    const s = asString('replace', v);
    const [from, to] = [str(arg('replace', a, kw, 0, 'old')), str(arg('replace', a, kw, 1, 'new'))];
    const count = arg('replace', a, kw, 2, 'count', null);
    const parts = from === '' ? ['', ...[...s], ''] : s.split(from);
    checkWidth(s.length + (parts.length - 1) * (to.length - from.length));
    const n = count === null ? -1 : toInt(count);
    if (n < 0 || parts.length - 1 <= n) return capString(parts.join(to));
    return capString(parts.slice(0, n + 1).join(to) + from + parts.slice(n + 1).join(from));
  },
  round: (v, a, kw) => {
    const precision = toInt(arg('round', a, kw, 0, 'precision', 0));
    const method = arg('round', a, kw, 1, 'method', 'common');
    const n = toFloat(v);
    const f = 10 ** precision;
    if (method === 'common') return pyFloat(roundHalfEven(n, precision));
    if (method === 'ceil') return pyFloat(Math.ceil(n * f) / f);
    if (method === 'floor') return pyFloat(Math.floor(n * f) / f);
    throw evalError('method must be common, ceil or floor');
  },
  safe: (v) => v,
  string: (v) => str(v),
  striptags: (v) => asString('striptags', v).replace(/<!--.*?-->|<[^>]*>/gs, '').replace(/\s+/g, ' ').trim()
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;|&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'),
  // Jinja's title splits words only at whitespace, '-' and opening brackets ("they're" stays one word).
  title: (v) => asString('title', v).replace(/([-\s({[<]+|^)([^-\s({[<]*)/g, (_, sep: string, w: string) =>
    sep + w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  tojson: (v, a, kw) => {
    const ind = arg('tojson', a, kw, 0, 'indent', null);
    return pyJson(v, { indent: ind === null ? null : toInt(ind), sortKeys: true, separators: [', ', ': '], ensureAscii: true })
      .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
  },
  trim: (v, a, kw) => {
    const s = asString('trim', v);
    const chars = arg('trim', a, kw, 0, 'chars', null);
    if (chars === null) return s.trim();
    const set = [...str(chars)];
    let i = 0;
    let j = s.length;
    while (i < j && set.includes(s[i]!)) i++;
    while (j > i && set.includes(s[j - 1]!)) j--;
    return s.slice(i, j);
  },
  truncate: (v, a, kw) => truncate(asString('truncate', v), toInt(arg('truncate', a, kw, 0, 'length', 255)),
    arg('truncate', a, kw, 1, 'killwords', false) === true, str(arg('truncate', a, kw, 2, 'end', '...')),
    toInt(arg('truncate', a, kw, 3, 'leeway', null) ?? 5)),
  upper: (v) => asString('upper', v).toUpperCase(),
  urlencode: (v) => {
    if (typeof v === 'string') return urlencodePart(v).replace(/%2F/g, '/');
    const pairs = isDict(v) ? Object.entries(v) : iterate(v).map((p) => iterate(p) as [unknown, unknown]);
    const qs = (x: unknown) => urlencodePart(x).replace(/%20/g, '+');
    return pairs.map(([k, x]) => `${qs(k)}=${qs(x)}`).join('&');
  },
  wordcount: (v) => (asString('wordcount', v).match(/\w+/gu) ?? []).length,
  wordwrap: (v, a, kw) => wordwrap(asString('wordwrap', v), toInt(arg('wordwrap', a, kw, 0, 'width', 79)),
    arg('wordwrap', a, kw, 1, 'break_long_words', true) !== false, str(arg('wordwrap', a, kw, 2, 'wrapstring', null) ?? '\n')),
  xmlattr: (v, a, kw) => {
    if (!isDict(v)) throw evalError('xmlattr expects a dict');
    const autospace = arg('xmlattr', a, kw, 0, 'autospace', true) !== false;
    const parts = Object.entries(v).filter(([, x]) => x !== null && !(x instanceof Undefined)).map(([k, x]) => {
      if (/[\s/>=]/.test(k)) throw evalError(`Invalid character in attribute name: ${repr(k)}`);
      return `${xmlEscape(k)}="${xmlEscape(str(x))}"`;
    });
    const s = parts.join(' ');
    return s && autospace ? ' ' + s : s;
  },
};

/** Every built-in filter by name, aliases included (d, count, e). */
export const builtinFilters: ReadonlyMap<string, Filter> = new Map<string, Filter>([
  ...Object.entries(textFilters),
  ...Object.entries(collectionFilters),
  ['d', textFilters.default!],
  ['count', textFilters.length!],
  ['e', textFilters.escape!],
  ['forceescape', textFilters.escape!],
]);
