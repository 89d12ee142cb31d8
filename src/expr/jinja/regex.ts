// Python `re` patterns and replacement strings in JavaScript's RegExp dialect: named groups
// (?P<n>…), (?P=n), \A \Z, leading inline flags, and \1 / \g<n> in replacements.
import { evalError } from './values.js';

/** A RegExp for a Python pattern; `anchored` gives re.match's start-only matching. */
export function pythonRegex(pattern: string, ignorecase: boolean, anchored: boolean, global = false): RegExp {
  let flags = ignorecase ? 'i' : '';
  let src = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    for (const f of inline[1]!) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  src = src
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$(?![\\s\\S])');
  if (anchored) flags += 'y';
  if (global) flags += 'g';
  try {
    return new RegExp(src, flags + 'u');
  } catch {
    try {
      return new RegExp(src, flags);
    } catch (err) {
      throw evalError(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
    }
  }
}

/** A JavaScript replacement string for a Python one (`\1`, `\g<1>`, `\g<name>`, `$` literal). */
export function pythonReplacement(repl: string): string {
  return repl.replace(/\$/g, '$$$$').replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/gs, (whole, g: string | undefined, d: string | undefined, c: string | undefined) => {
    if (g !== undefined) return /^\d+$/.test(g) ? `$${g}` : `$<${g}>`;
    if (d !== undefined) return `$${d}`;
    const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };
    return c !== undefined && Object.prototype.hasOwnProperty.call(esc, c) ? esc[c]! : whole;
  });
}
