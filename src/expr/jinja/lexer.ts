// Splits a template into text and tag tokens the way Jinja2's lexer does with StackStorm's
// environment (trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, see
// st2common/util/jinja.py and orquesta/expressions/jinja.py), and tokenizes what is inside tags.
import { SquallError } from '../../errors.js';

export type TokenType =
  | 'data' | 'var_begin' | 'var_end' | 'block_begin' | 'block_end'
  | 'name' | 'string' | 'number' | 'op' | 'eof';

export interface Token {
  type: TokenType;
  value: string;
  /** The number of a 'number' token. */
  num?: number;
  /** Offset into the (newline-normalised) source, for error positions. */
  pos: number;
}

const OPERATORS = ['//', '**', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '~', '(', ')', '[', ']', '{', '}',
  ',', '.', ':', '|', '=', '<', '>', ';'];
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d[\d_]*)?/y;
const SPACE = /\s+/y;

/** "line L column C" of an offset, both 1-based. */
function place(src: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < src.length; i++) {
    if (src.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

export function syntaxError(src: string, pos: number, message: string): SquallError {
  const { line, column } = place(src, pos);
  return new SquallError('EXPR_SYNTAX', `line ${line} column ${column}: ${message}`, { line, column });
}

/** Jinja normalises newlines to \n and drops one trailing newline before lexing. */
export function normalizeSource(source: string): string {
  const s = source.replace(/\r\n?/g, '\n');
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '0': '\0',
  '\\': '\\', "'": "'", '"': '"', '\n': '' };

function decodeString(src: string, start: number, body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = body[i + 1] ?? '';
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = body.slice(i + 2, i + 2 + hexLen);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLen) throw syntaxError(src, start + i, 'truncated \\' + e + ' escape in string');
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw syntaxError(src, start + i, 'illegal Unicode character in string');
      out += String.fromCodePoint(cp);
      i += 1 + hexLen;
    } else if (Object.prototype.hasOwnProperty.call(ESCAPES, e)) {
      out += ESCAPES[e];
      i++;
    } else {
      out += '\\';
    }
  }
  return out;
}

/** Tokenizes one tag's inside from `pos` up to its closing delimiter; returns the offset after it. */
function lexTag(src: string, pos: number, closer: '}}' | '%}', out: Token[]): { end: number; strip: boolean; plus: boolean } {
  let depth = 0;
  for (;;) {
    SPACE.lastIndex = pos;
    if (SPACE.test(src)) pos = SPACE.lastIndex;
    if (pos >= src.length) throw syntaxError(src, pos, `unexpected end of template, expected '${closer}'`);
    if (depth === 0) {
      const mod = src[pos];
      if (src.startsWith(closer, pos)) return { end: pos + 2, strip: false, plus: false };
      if ((mod === '-' || (mod === '+' && closer === '%}')) && src.startsWith(closer, pos + 1)) {
        return { end: pos + 3, strip: mod === '-', plus: mod === '+' };
      }
    }
    const ch = src[pos]!;
    if (ch === '"' || ch === "'") {
      let i = pos + 1;
      while (i < src.length && src[i] !== ch) i += src[i] === '\\' ? 2 : 1;
      if (i >= src.length) throw syntaxError(src, pos, 'unexpected end of string');
      out.push({ type: 'string', value: decodeString(src, pos + 1, src.slice(pos + 1, i)), pos });
      pos = i + 1;
      continue;
    }
    NAME.lastIndex = pos;
    const name = NAME.exec(src);
    if (name) {
      out.push({ type: 'name', value: name[0], pos });
      pos = NAME.lastIndex;
      continue;
    }
    NUMBER.lastIndex = pos;
    const num = NUMBER.exec(src);
    if (num) {
      out.push({ type: 'number', value: num[0], num: Number(num[0].replace(/_/g, '')), pos });
      pos = NUMBER.lastIndex;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, pos));
    if (!op) throw syntaxError(src, pos, `unexpected char ${JSON.stringify(ch)}`);
    if (op === '(' || op === '[' || op === '{') depth++;
    else if (op === ')' || op === ']' || op === '}') {
      if (depth === 0) throw syntaxError(src, pos, `unexpected '${op}'`);
      depth--;
    }
    out.push({ type: 'op', value: op, pos });
    pos += op.length;
  }
}

/** Tokens of a whole template; `source` must already be normalised. */
export function lexTemplate(src: string): Token[] {
  const tokens: Token[] = [];
  const tagStart = /\{[{%#]/g;
  let pos = 0;
  let stripNext = false; // previous tag ended with '-'
  let trimNewline = false; // previous tag was a block or comment (trim_blocks)
  const pushData = (text: string, at: number) => {
    if (text) tokens.push({ type: 'data', value: text, pos: at });
  };
  for (;;) {
    tagStart.lastIndex = pos;
    const m = tagStart.exec(src);
    let text = src.slice(pos, m ? m.index : src.length);
    if (stripNext) text = text.replace(/^\s+/, '');
    else if (trimNewline && text.startsWith('\n')) text = text.slice(1);
    if (!m) {
      pushData(text, pos);
      break;
    }
    const kind = src[m.index + 1];
    const mod = src[m.index + 2];
    const isBlock = kind === '%' || kind === '#';
    if (mod === '-') text = text.replace(/\s+$/, '');
    else if (isBlock && mod !== '+') text = lstripBlock(src, m.index, text);
    pushData(text, pos);
    const inner = m.index + 2 + (mod === '-' || (mod === '+' && isBlock) ? 1 : 0);
    if (kind === '#') {
      const end = src.indexOf('#}', inner);
      if (end < 0) throw syntaxError(src, m.index, 'missing end of comment tag');
      stripNext = src[end - 1] === '-' && end - 1 >= inner;
      trimNewline = src[end - 1] !== '+';
      pos = end + 2;
      continue;
    }
    const begin = tokens.length;
    tokens.push({ type: kind === '{' ? 'var_begin' : 'block_begin', value: '', pos: m.index });
    const tag = lexTag(src, inner, kind === '{' ? '}}' : '%}', tokens);
    tokens.push({ type: kind === '{' ? 'var_end' : 'block_end', value: '', pos: tag.end - 2 });
    stripNext = tag.strip;
    trimNewline = kind === '%' && !tag.plus;
    pos = tag.end;
    if (kind === '%' && tokens.length === begin + 3 && tokens[begin + 1]!.value === 'raw' && tokens[begin + 1]!.type === 'name') {
      tokens.length = begin;
      const raw = lexRaw(src, pos, m.index, tag.strip, tokens);
      pos = raw.end;
      stripNext = raw.strip;
      trimNewline = !raw.plus;
    }
  }
  tokens.push({ type: 'eof', value: '', pos: src.length });
  return tokens;
}

/** lstrip_blocks: spaces and tabs between a line's start and a block tag go away. */
function lstripBlock(src: string, tagPos: number, text: string): string {
  const nl = text.lastIndexOf('\n');
  const tail = text.slice(nl + 1);
  if (!/^[ \t]*$/.test(tail)) return text;
  const lineStart = nl >= 0 || tagPos - tail.length === 0 || src[tagPos - tail.length - 1] === '\n';
  return lineStart ? text.slice(0, nl + 1) : text;
}

/** `{% raw %}…{% endraw %}`: the inside is text, whitespace control on both tags still applies. */
function lexRaw(src: string, pos: number, startPos: number, stripStart: boolean, tokens: Token[]): { end: number; strip: boolean; plus: boolean } {
  const end = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;
  end.lastIndex = pos;
  const m = end.exec(src);
  if (!m) throw syntaxError(src, startPos, "missing '{% endraw %}' for '{% raw %}'");
  let text = src.slice(pos, m.index);
  if (stripStart) text = text.replace(/^\s+/, '');
  else if (text.startsWith('\n')) text = text.slice(1);
  if (m[1] === '-') text = text.replace(/\s+$/, '');
  else if (m[1] !== '+') text = lstripBlock(src, m.index, text);
  if (text) tokens.push({ type: 'data', value: text, pos });
  return { end: end.lastIndex, strip: m[2] === '-', plus: m[2] === '+' };
}

/** Tokens of one bare expression (what sits between `{{` and `}}`). */
export function lexExpression(src: string): Token[] {
  const tokens: Token[] = [];
  const wrapped = src + ' }}';
  const { end } = lexTag(wrapped, 0, '}}', tokens);
  if (end !== wrapped.length) throw syntaxError(src, end - 2, "unexpected '}}'");
  tokens.push({ type: 'eof', value: '', pos: src.length });
  return tokens;
}
