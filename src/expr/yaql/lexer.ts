// YAQL tokens, as yaql's ply lexer (yaql/language/lexer.py) produces them. Positions are
// 0-based character offsets, as yaql reports them ("at position N").
import { SquallError } from '../../errors.js';

type TokenType =
  | 'num' // 12, 1.5
  | 'str' // 'a', "a", `a`
  | 'func' // name( — the name and its opening parenthesis, with no space between
  | 'kw' // bare identifier: a keyword string (`a` in `$.a`, `get(a)`)
  | 'dollar' // $, $1, $name
  | 'op' // operator symbol or word operator (and, or, not, in, mod)
  | 'const' // true, false, null
  | 'punct' // ( ) [ ] { } , =>
  | 'eof';

export interface Token {
  type: TokenType;
  /** Operator or punctuation text; identifier name; decoded string; number. */
  value: string | number | boolean | null;
  /** True for a number written with a decimal point (a Python float in yaql). */
  isFloat?: boolean;
  pos: number;
}

/** Raised for text no token matches (yaql's YaqlLexicalException). */
export function syntaxError(pos: number, message: string): SquallError {
  return new SquallError('EXPR_SYNTAX', `position ${pos}: ${message}`, { column: pos });
}

// Multi-character operators first: ply sorts string rules by regex length, which makes
// `?.` win over `.`, `->` over `-`, `!=`/`>=`/`<=`/`=~`/`=>` over their first character.
const SYMBOLS = ['?.', '->', '=~', '!~', '>=', '<=', '!=', '=>', '.', '*', '/', '+', '-', '>', '<', '=', '(', ')', '[', ']', '{', '}', ','];
const WORD_OPERATORS = new Set(['and', 'or', 'not', 'in', 'mod']);
const CONSTANTS: Record<string, boolean | null> = { true: true, false: false, null: null };

// \w in Python's re (UNICODE) is letters, digits and underscore of any script.
const WORD = /[\p{L}\p{N}_]/u;
const LETTER_OR_UNDERSCORE = /[\p{L}_]/u;
const DIGIT = /[0-9]/;

function isWordAt(src: string, i: number): boolean {
  return i >= 0 && i < src.length && WORD.test(src[i]!);
}

/** Splits `src` into tokens; throws EXPR_SYNTAX on a character no rule accepts. */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    const start = i;
    if (c === '$') {
      i++;
      while (isWordAt(src, i)) i++;
      tokens.push({ type: 'dollar', value: src.slice(start + 1, i), pos: start });
      continue;
    }
    // \b\d+(\.?\d+)?\b — a number must start and end at a word boundary.
    if (DIGIT.test(c) && !isWordAt(src, i - 1)) {
      const m = /^\d+(\.?\d+)?/.exec(src.slice(i));
      const text = m![0];
      if (!isWordAt(src, i + text.length)) {
        i += text.length;
        const isFloat = text.includes('.');
        tokens.push({ type: 'num', value: isFloat ? parseFloat(text) : parseInt(text, 10), isFloat, pos: start });
        continue;
      }
    }
    if (LETTER_OR_UNDERSCORE.test(c) && !isWordAt(src, i - 1)) {
      let j = i + 1;
      while (isWordAt(src, j)) j++;
      const name = src.slice(i, j);
      if (src[j] === '(') {
        tokens.push({ type: 'func', value: name, pos: start });
        i = j + 1;
        continue;
      }
      // (?!__) — identifiers starting with two underscores are not keywords.
      if (!name.startsWith('__')) {
        i = j;
        if (WORD_OPERATORS.has(name)) tokens.push({ type: 'op', value: name, pos: start });
        else if (Object.prototype.hasOwnProperty.call(CONSTANTS, name)) tokens.push({ type: 'const', value: CONSTANTS[name]!, pos: start });
        else tokens.push({ type: 'kw', value: name, pos: start });
        continue;
      }
    }
    if (c === "'" || c === '"' || c === '`') {
      const end = endOfString(src, i);
      tokens.push(readString(src, i, end));
      i = end;
      continue;
    }
    const sym = SYMBOLS.find((s) => src.startsWith(s, i));
    if (sym === undefined) throw syntaxError(start, `unexpected character '${c}'`);
    i += sym.length;
    const isPunct = '()[]{},'.includes(sym) || sym === '=>';
    tokens.push({ type: isPunct ? 'punct' : 'op', value: sym, pos: start });
  }
  tokens.push({ type: 'eof', value: null, pos: src.length });
  return tokens;
}

function endOfString(src: string, start: number): number {
  const quote = src[start]!;
  let i = start + 1;
  while (i < src.length) {
    if (src[i] === '\\') i += 2;
    else if (src[i] === quote) return i + 1;
    else i++;
  }
  throw syntaxError(start, `unterminated string starting with ${quote}`);
}

function readString(src: string, start: number, end: number): Token {
  const quote = src[start]!;
  const raw = src.slice(start + 1, end - 1);
  // Backquoted strings are verbatim except for \` (yaql's QUOTED_VERBATIM_STRING).
  const value = quote === '`' ? raw.replace(/\\`/g, '`') : decodeEscapes(raw, start);
  return { type: 'str', value, pos: start };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

// Python escape sequences, decoded one by one as yaql's decode_escapes does; anything
// else after a backslash stays as written (so '\d' in a regex literal keeps its backslash).
function decodeEscapes(raw: string, pos: number): string {
  return raw.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|[\\'"abfnrtv])/g, (_m, e: string) => {
    const head = e[0]!;
    if (head === 'U' || head === 'u' || head === 'x') {
      const cp = parseInt(e.slice(1), 16);
      if (cp > 0x10ffff) throw syntaxError(pos, `the escape \\${e} is not a Unicode character`);
      return String.fromCodePoint(cp);
    }
    if (/[0-7]/.test(head)) return String.fromCodePoint(parseInt(e, 8));
    return SIMPLE_ESCAPES[e]!;
  });
}
