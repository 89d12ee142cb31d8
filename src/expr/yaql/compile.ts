// Turns a parsed YAQL expression into nested closures, so evaluating a cached expression
// does no dispatch on node kinds or operator names: each closure calls its children directly.
import { SquallError } from '../../errors.js';
import { type HostFunction, lookupFunction } from '../functions.js';
import { st2Function } from '../st2-functions.js';
import * as ops from './operators.js';
import type { Arg, Ast } from './parser.js';
import { constNode, type Ctx, type Inv, lookupDefined, lookupVar, MappingPair, type Node, type YaqlFunction } from './runtime.js';
import { standardLibrary } from './stdlib/index.js';
import { equals, evalError, hasKey, isDict, newDict, setKey, toKey, truthy, typeName } from './values.js';

type Ev = (c: Ctx) => unknown;

function node(ev: Ev, pos: number, isFloat = false): Node {
  return { ev, pos, isFloat };
}

/** `value.name`: a dict's key; on a list, the key of every item (yaql's collection attribution). */
function attribute(v: unknown, name: string, pos: number): unknown {
  if (isDict(v)) {
    if (hasKey(v, name)) return v[name];
    throw evalError(pos, `key '${name}' not found`);
  }
  if (Array.isArray(v)) return v.map((x) => attribute(x, name, pos));
  throw evalError(pos, `${typeName(v)} has no property '${name}'`);
}

/** `value[key]` and `dict[key, default]`. */
function indexValue(v: unknown, keys: unknown[], pos: number): unknown {
  const first = keys[0];
  // Python's bool is an int: [1, 2][true] is 2.
  const index = typeof first === 'boolean' ? Number(first) : first;
  if (Array.isArray(v) && keys.length === 1 && typeof index === 'number' && Number.isInteger(index)) {
    const i = index < 0 ? v.length + index : index;
    if (i < 0 || i >= v.length) throw evalError(pos, `index ${index} is out of range for a list of ${v.length}`);
    return v[i];
  }
  if (isDict(v) && (keys.length === 1 || keys.length === 2)) {
    const k = toKey(first, pos);
    if (hasKey(v, k)) return v[k];
    if (keys.length === 2) return keys[1];
    throw evalError(pos, `key ${JSON.stringify(k)} not found`);
  }
  throw evalError(pos, `cannot index ${typeName(v)} with ${keys.map(typeName).join(', ') || 'nothing'}`);
}

/** Compiles a parsed expression to its closure tree. */
export function compileAst(ast: Ast): Node {
  switch (ast.k) {
    case 'const': {
      const v = ast.v;
      return node(() => v, ast.pos, ast.isFloat);
    }
    case 'kw': {
      const name = ast.name;
      return { ev: () => name, pos: ast.pos, isFloat: false, keyword: name };
    }
    case 'var': {
      const name = ast.name;
      return node(name === '' || name === '1' ? (c) => c.d : (c) => lookupVar(c, name), ast.pos);
    }
    case 'paren': {
      // A parenthesised keyword is a value, not a property name: `$.(a)` is not `$.a`.
      const inner = compileAst(ast.e);
      return node(inner.ev, ast.pos, inner.isFloat);
    }
    case 'un':
      return compileUnary(ast.op, compileAst(ast.e), ast.pos);
    case 'bin':
      return compileBinary(ast.op, ast.l, ast.r, ast.pos);
    case 'index':
      return compileIndex(compileAst(ast.e), ast.args, ast.pos);
    case 'list':
      return compileList(ast.args, ast.pos);
    case 'map':
      return compileMap(ast.args, ast.pos);
    case 'call':
      return compileCall(ast.name, ast.args, ast.pos);
  }
}

function compileUnary(op: string, e: Node, pos: number): Node {
  const ev = e.ev;
  if (op === 'not') return node((c) => !truthy(ev(c)), pos);
  if (op === '-') return node((c) => ops.negate(ev(c), pos), pos, e.isFloat);
  return node((c) => ops.unaryPlus(ev(c), pos), pos, e.isFloat);
}

function compileBinary(op: string, la: Ast, ra: Ast, pos: number): Node {
  if (op === '.' || op === '?.') return compileDot(compileAst(la), ra, pos, op === '?.');
  const l = compileAst(la);
  const r = compileAst(ra);
  const le = l.ev;
  const re = r.ev;
  const isFloat = l.isFloat || r.isFloat;
  switch (op) {
    case '+':
      return node((c) => ops.plus(le(c), re(c), pos), pos, isFloat);
    case '-':
      return node((c) => ops.minus(le(c), re(c), pos), pos, isFloat);
    case '*':
      return node((c) => ops.times(le(c), re(c), pos), pos, isFloat);
    case '/':
      return node((c) => ops.divide(le(c), re(c), pos, isFloat), pos, isFloat);
    case 'mod':
      return node((c) => ops.modulo(le(c), re(c), pos), pos, isFloat);
    case '=':
      return node((c) => equals(le(c), re(c)), pos);
    case '!=':
      return node((c) => !equals(le(c), re(c)), pos);
    case '<':
      return node((c) => ops.compare(op, le(c), re(c), pos) < 0, pos);
    case '>':
      return node((c) => ops.compare(op, le(c), re(c), pos) > 0, pos);
    case '<=':
      return node((c) => ops.compare(op, le(c), re(c), pos) <= 0, pos);
    case '>=':
      return node((c) => ops.compare(op, le(c), re(c), pos) >= 0, pos);
    case 'in':
      return node((c) => ops.inOp(le(c), re(c), pos), pos);
    case '=~':
      return node((c) => ops.regexMatch(le(c), re(c), pos, op), pos);
    case '!~':
      return node((c) => !ops.regexMatch(le(c), re(c), pos, op), pos);
    case 'and':
      return node(ops.andOp(l, r), pos);
    case 'or':
      return node(ops.orOp(l, r), pos);
    case '->':
      return node(ops.sendContext(l, r), pos);
    default:
      throw new SquallError('EXPR_SYNTAX', `position ${pos}: unknown operator '${op}'`, { column: pos });
  }
}

// `x.name` reads a key; `x.f(…)` calls f as a method of x; `x?.…` is null when x is null.
function compileDot(recv: Node, ra: Ast, pos: number, elvis: boolean): Node {
  let apply: (v: unknown, c: Ctx) => unknown;
  if (ra.k === 'kw') {
    const name = ra.name;
    apply = (v) => attribute(v, name, ra.pos);
  } else if (ra.k === 'call') {
    apply = compileMethod(ra.name, ra.args, ra.pos);
  } else {
    apply = () => {
      throw evalError(ra.pos, "after '.' comes a property name or a method call");
    };
  }
  const rev = recv.ev;
  if (elvis) {
    return node((c) => {
      const v = rev(c);
      return v === null || v === undefined ? null : apply(v, c);
    }, pos);
  }
  return node((c) => apply(rev(c), c), pos);
}

interface SplitArgs {
  args: Node[];
  kw: Record<string, Node> | null;
}

// Arguments written `name => value` become named arguments; any other mapping is a
// positional argument carrying its pair (dict('a' => 1) takes those).
function splitArgs(args: Arg[]): SplitArgs {
  const positional: Node[] = [];
  let kw: Record<string, Node> | null = null;
  for (const a of args) {
    if (a.k === 'hole') positional.push({ ev: () => undefined, pos: a.pos, isFloat: false, hole: true });
    else if (a.k === 'mapping') {
      const key = compileAst(a.key);
      const value = compileAst(a.value);
      if (key.keyword !== undefined) {
        kw ??= Object.create(null) as Record<string, Node>;
        kw[key.keyword] = value;
      } else positional.push(mappingNode(key, value, a.pos));
    } else positional.push(compileAst(a));
  }
  return { args: positional, kw };
}

function mappingNode(key: Node, value: Node, pos: number): Node {
  return { ev: (c) => new MappingPair(key.ev(c), value.ev(c)), pos, isFloat: false, pair: { key, value } };
}

function compileIndex(target: Node, args: Arg[], pos: number): Node {
  const { args: positional, kw } = splitArgs(args);
  const keys = [...positional];
  // `d[key, default => x]` names the default, as yaql's dict indexer allows.
  const namesDefaultOnly = kw !== null && Object.keys(kw).length === 1 && kw.default !== undefined && keys.length === 1;
  if (namesDefaultOnly) keys.push(kw.default!);
  if ((kw && !namesDefaultOnly) || keys.some((k) => k.hole || k.pair)) {
    return node(() => {
      throw evalError(pos, 'an index takes one or two plain values');
    }, pos);
  }
  const tev = target.ev;
  if (keys.length === 1) {
    const kev = keys[0]!.ev;
    return node((c) => indexValue(tev(c), [kev(c)], pos), pos);
  }
  return node((c) => indexValue(tev(c), keys.map((k) => k.ev(c)), pos), pos);
}

function compileList(args: Arg[], pos: number): Node {
  const { args: items, kw } = splitArgs(args);
  if (kw || items.some((i) => i.hole || i.pair)) {
    return node(() => {
      throw evalError(pos, 'a list literal holds plain values only');
    }, pos);
  }
  return node((c) => items.map((i) => i.ev(c)), pos);
}

function compileMap(args: Arg[], pos: number): Node {
  const pairs: { key: Node; value: Node }[] = [];
  for (const a of args) {
    if (a.k !== 'mapping') {
      return node(() => {
        throw evalError(a.pos, 'a dict literal holds key => value pairs only');
      }, pos);
    }
    pairs.push({ key: compileAst(a.key), value: compileAst(a.value) });
  }
  return node((c) => {
    const d = newDict();
    for (const p of pairs) setKey(d, toKey(p.key.ev(c), pos), p.value.ev(c));
    return d;
  }, pos);
}

/**
 * Moves `name => value` arguments that name one of the function's parameters into that
 * position (yaql binds named arguments to parameters); the others stay named.
 */
function bindNamed(fn: YaqlFunction | undefined, s: SplitArgs, receiver: boolean): SplitArgs {
  if (!fn?.params || !s.kw) return s;
  const args = [...s.args];
  const offset = receiver ? 1 : 0;
  let rest: Record<string, Node> | null = null;
  for (const name of Object.keys(s.kw)) {
    const i = fn.params.indexOf(name) - offset;
    const node = s.kw[name]!;
    if (i >= 0 && (i >= args.length || args[i]!.hole)) {
      while (args.length < i) args.push({ ev: () => undefined, pos: node.pos, isFloat: false, hole: true });
      args[i] = node;
    } else {
      rest ??= Object.create(null) as Record<string, Node>;
      rest[name] = node;
    }
  }
  return { args, kw: rest };
}

function lookupStd(name: string): YaqlFunction | undefined {
  return Object.prototype.hasOwnProperty.call(standardLibrary, name) ? standardLibrary[name] : undefined;
}

function callHost(host: HostFunction, name: string, c: Ctx, s: SplitArgs, pos: number): unknown {
  const args = s.args.map((a) => {
    if (a.pair) throw evalError(a.pos, `${name}() takes no 'key => value' argument with a computed key`);
    return a.hole ? null : a.ev(c);
  });
  const kwargs = Object.create(null) as Record<string, unknown>;
  if (s.kw) for (const k of Object.keys(s.kw)) kwargs[k] = s.kw[k]!.ev(c);
  try {
    return host(c.root, args, kwargs);
  } catch (err) {
    if (err instanceof SquallError) {
      if (err.message.startsWith('position ')) throw err;
      throw new SquallError(err.code, `position ${pos}: ${err.message}`, { ...err.where, column: pos }, { cause: err, retryable: err.retryable, details: err.details });
    }
    throw new SquallError('EXPR_EVAL', `position ${pos}: ${name}(): ${(err as Error).message}`, { column: pos }, { cause: err });
  }
}

// Function syntax `f(…)`: a host or shared function of that name wins over yaql's own
// (Orquesta registers its functions over yaql's: its zip() pads like zip_longest).
function compileCall(name: string, args: Arg[], pos: number): Node {
  const raw = splitArgs(args);
  const std = lookupStd(name);
  const fn = std?.func ? std : undefined;
  const bound = bindNamed(fn, raw, false);
  return node((c) => {
    const defined = lookupDefined(c, name);
    if (defined) return callHost((_root, args, kw) => defined(args, kw), name, c, raw, pos);
    const host = lookupFunction(c.env, name) ?? st2Function(name);
    if (host) return callHost(host, name, c, raw, pos);
    if (!fn) throw evalError(pos, std ? `${name}() is a method: write x.${name}(…)` : `unknown function '${name}'`);
    const inv: Inv = { ctx: c, args: bound.args, kw: bound.kw, pos, name, isMethod: false };
    return fn.call(inv);
  }, pos, name === 'float');
}

// Method syntax `x.f(…)` reaches only yaql's methods: functions registered by the host
// (Orquesta's ctx, task, json, …) are plain functions in yaql, so `'{}'.json()` is an error there too.
function compileMethod(name: string, args: Arg[], pos: number): (recv: unknown, c: Ctx) => unknown {
  const std = lookupStd(name);
  const fn = std?.method ? std : undefined;
  const s = bindNamed(fn, splitArgs(args), true);
  return (recv, c) => {
    if (fn) return fn.call({ ctx: c, args: [constNode(recv, pos), ...s.args], kw: s.kw, pos, name, isMethod: true });
    throw evalError(pos, std || lookupFunction(c.env, name) ? `${name}() is not a method: write ${name}(…)` : `unknown method '${name}'`);
  };
}
