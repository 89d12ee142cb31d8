// YAQL grammar as a Pratt parser. Binding powers follow yaql's operator table
// (yaql/language/factory.py, _standard_operators), tightest first:
//   . ?.  >  [] (indexer)  >  unary + -  >  =~ !~  >  * / mod  >  + -
//   >  < > <= >= = != in  >  not  >  and  >  or  >  -> (right-associative)
import { type Token, syntaxError, tokenize } from './lexer.js';

export type Ast =
  | { k: 'const'; v: unknown; isFloat: boolean; pos: number }
  | { k: 'kw'; name: string; pos: number }
  | { k: 'var'; name: string; pos: number }
  | { k: 'call'; name: string; args: Arg[]; pos: number }
  | { k: 'bin'; op: string; l: Ast; r: Ast; pos: number }
  | { k: 'un'; op: string; e: Ast; pos: number }
  | { k: 'index'; e: Ast; args: Arg[]; pos: number }
  | { k: 'list'; args: Arg[]; pos: number }
  | { k: 'map'; args: Arg[]; pos: number }
  | { k: 'paren'; e: Ast; pos: number };

/** A call argument: a value, a skipped position (`f(, 1)`), or `key => value`. */
export type Arg = Ast | { k: 'hole'; pos: number } | { k: 'mapping'; key: Ast; value: Ast; pos: number };

const BINARY: Record<string, number> = {
  '.': 11, '?.': 11,
  '=~': 8, '!~': 8,
  '*': 7, '/': 7, mod: 7,
  '+': 6, '-': 6,
  '<': 5, '>': 5, '<=': 5, '>=': 5, '=': 5, '!=': 5, in: 5,
  and: 3, or: 2,
  '->': 1,
};
const INDEX_BP = 10;
const UNARY_SIGN_BP = 9;
const NOT_BP = 4;

// Deeper nesting than any real expression; the limit keeps a hostile `((((…` from
// exhausting the stack in the parser, the compiler or the evaluator.
const MAX_DEPTH = 200;

interface State {
  tokens: Token[];
  i: number;
  depth: number;
}

/** Parses one YAQL expression; throws EXPR_SYNTAX with the offending position. */
export function parse(src: string): Ast {
  const st: State = { tokens: tokenize(src), i: 0, depth: 0 };
  if (peek(st).type === 'eof') throw syntaxError(0, 'empty expression');
  const ast = expression(st, 0);
  const t = peek(st);
  if (t.type !== 'eof') throw unexpected(t);
  return ast;
}

function peek(st: State): Token {
  return st.tokens[st.i]!;
}

function next(st: State): Token {
  return st.tokens[st.i++]!;
}

function describe(t: Token): string {
  if (t.type === 'eof') return 'end of expression';
  if (t.type === 'str') return `string ${JSON.stringify(t.value)}`;
  if (t.type === 'func') return `'${String(t.value)}('`;
  if (t.type === 'dollar') return `'$${String(t.value)}'`;
  return `'${String(t.value)}'`;
}

function unexpected(t: Token): Error {
  return syntaxError(t.pos, `unexpected ${describe(t)}`);
}

function isPunct(t: Token, v: string): boolean {
  return t.type === 'punct' && t.value === v;
}

function expect(st: State, v: string): Token {
  const t = next(st);
  if (!isPunct(t, v)) throw unexpected(t);
  return t;
}

function expression(st: State, minBp: number): Ast {
  if (++st.depth > MAX_DEPTH) throw syntaxError(peek(st).pos, `expression nested deeper than ${MAX_DEPTH} levels`);
  const ast = binaryTail(st, prefix(st), minBp);
  st.depth--;
  return ast;
}

function binaryTail(st: State, first: Ast, minBp: number): Ast {
  let left = first;
  for (;;) {
    const t = peek(st);
    if (isPunct(t, '[')) {
      if (INDEX_BP < minBp) break;
      next(st);
      const args = argList(st, ']');
      left = { k: 'index', e: left, args, pos: t.pos };
      continue;
    }
    if (t.type !== 'op' || typeof t.value !== 'string' || !(t.value in BINARY)) break;
    const bp = BINARY[t.value]!;
    if (bp < minBp) break;
    next(st);
    // Left-associative operators parse their right side one level tighter; `->` is right-associative.
    const right = expression(st, t.value === '->' ? bp : bp + 1);
    left = { k: 'bin', op: t.value, l: left, r: right, pos: t.pos };
  }
  return left;
}

function prefix(st: State): Ast {
  const t = next(st);
  switch (t.type) {
    case 'num':
      return { k: 'const', v: t.value, isFloat: t.isFloat === true, pos: t.pos };
    case 'str':
    case 'const':
      return { k: 'const', v: t.value, isFloat: false, pos: t.pos };
    case 'kw':
      return { k: 'kw', name: String(t.value), pos: t.pos };
    case 'dollar':
      return { k: 'var', name: String(t.value), pos: t.pos };
    case 'func':
      return { k: 'call', name: String(t.value), args: argList(st, ')'), pos: t.pos };
    case 'op':
      if (t.value === 'not') return { k: 'un', op: 'not', e: expression(st, NOT_BP), pos: t.pos };
      if (t.value === '-' || t.value === '+') return { k: 'un', op: t.value, e: expression(st, UNARY_SIGN_BP), pos: t.pos };
      throw unexpected(t);
    case 'punct':
      if (t.value === '(') {
        const e = expression(st, 0);
        expect(st, ')');
        return { k: 'paren', e, pos: t.pos };
      }
      if (t.value === '[') return { k: 'list', args: argList(st, ']'), pos: t.pos };
      if (t.value === '{') return { k: 'map', args: argList(st, '}'), pos: t.pos };
      throw unexpected(t);
    default:
      throw unexpected(t);
  }
}

// yaql's `args` rule: positional arguments (any but the last may be left empty, as in
// `f(, 1)` or `f(1, , 2)`), then `name => value` pairs; a positional argument after a
// pair is an error, and so is a trailing comma (`f(1, )`).
function argList(st: State, close: string): Arg[] {
  const args: Arg[] = [];
  if (isPunct(peek(st), close)) {
    next(st);
    return args;
  }
  let named = false;
  for (;;) {
    const t = peek(st);
    if (isPunct(t, ',') || isPunct(t, close)) {
      if (named || isPunct(t, close)) throw unexpected(t);
      args.push({ k: 'hole', pos: t.pos });
    } else {
      const value = expression(st, 0);
      if (isPunct(peek(st), '=>')) {
        // yaql's grammar has no form for skipped positions before the first value then a pair: `f(, a => 1)`.
        if (args.length > 0 && args.every((a) => a.k === 'hole')) throw syntaxError(peek(st).pos, "unexpected '=>'");
        const arrow = next(st);
        args.push({ k: 'mapping', key: value, value: expression(st, 0), pos: arrow.pos });
        named = true;
      } else {
        if (named) throw syntaxError(value.pos, 'a positional argument cannot follow a named one');
        args.push(value);
      }
    }
    const sep = next(st);
    if (isPunct(sep, close)) return args;
    if (!isPunct(sep, ',')) throw unexpected(sep);
  }
}
