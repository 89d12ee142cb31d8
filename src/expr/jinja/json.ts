// Python's json.dumps over template values: the spacing, escaping and float spelling that
// Jinja's tojson and st2's to_json_string produce, so rendered JSON matches st2 byte for byte.
import { checkWidth, KvRef, PyFloat, Undefined, evalError, floatRepr, isDict, numberRepr, resolveKv, typeName } from './values.js';

export interface JsonOptions {
  indent: number | null;
  sortKeys: boolean;
  separators: [string, string];
  ensureAscii: boolean;
}

function quote(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || (ensureAscii && c > 0x7e)) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** json.dumps(value, indent=…, sort_keys=…, separators=…, ensure_ascii=…). */
export function pyJson(value: unknown, opts: JsonOptions, depth = 0, seen: Set<object> = new Set()): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return numberRepr(value);
  }
  if (typeof value === 'string') return quote(value, opts.ensureAscii);
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (value instanceof Undefined) throw evalError(value.hint);
  if (value instanceof KvRef) return pyJson(resolveKv(value), opts, depth, seen);
  const isList = Array.isArray(value);
  if (!isList && !isDict(value)) throw evalError(`Object of type ${typeName(value)} is not JSON serializable`);
  if (seen.has(value)) throw evalError('Circular reference detected');
  seen.add(value);
  let entries: string[];
  if (isList) {
    entries = (value as unknown[]).map((v) => pyJson(v, opts, depth + 1, seen));
  } else {
    const dict = value as Record<string, unknown>;
    const keys = Object.keys(dict);
    if (opts.sortKeys) keys.sort();
    entries = keys.map((k) => quote(k, opts.ensureAscii) + opts.separators[1] + pyJson(dict[k], opts, depth + 1, seen));
  }
  seen.delete(value);
  const [open, close] = isList ? ['[', ']'] : ['{', '}'];
  if (!entries.length) return open + close;
  if (opts.indent === null) return open + entries.join(opts.separators[0]) + close;
  const pad = '\n' + ' '.repeat(checkWidth(opts.indent * (depth + 1)));
  const sep = opts.separators[0].replace(/\s+$/, '');
  return open + pad + entries.join(sep + pad) + '\n' + ' '.repeat(opts.indent * depth) + close;
}
