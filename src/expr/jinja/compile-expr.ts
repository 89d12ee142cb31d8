// Turns expression nodes into closures once, so evaluating a cached expression is a few
// function calls with no tree walking or name resolution left to do.
import { lookupFunction } from '../functions.js';
import type { CallArgs, Expr } from './ast.js';
import { syntaxError } from './lexer.js';
import { MAX_CALL_DEPTH, applyFilter, applyTest, globalValue, lookupName, type Ctx } from './scope.js';
import { binary, getAttr, getItem, sliceOf } from './runtime.js';
import { builtinTests } from './tests.js';
import {
  Callable, KvRef, PyFloat, Undefined, compare, contains, eq, evalError, floatRepr, isDict, isNumeric, newDict, numberRepr,
  resolveKv, setOwn, str, toData,
  truthy, tuple, typeName, type Dict,
} from './values.js';

export type Ev = (c: Ctx) => unknown;

/** A value that may go into data: st2kv references resolved, undefined refused (StrictUndefined). */
export function plain(v: unknown): unknown {
  if (v instanceof KvRef) return resolveKv(v);
  if (v instanceof Undefined && !v.lenient) throw evalError(v.hint);
  return v;
}

function resolved(v: unknown): unknown {
  return v instanceof KvRef && v.path.length >= 2 ? resolveKv(v) : v;
}

// `ctx()` and friends are called with no arguments most of the time: share one frozen, empty set.
const NO_ARGS: [unknown[], Dict] = Object.freeze([Object.freeze([]) as unknown as unknown[], Object.freeze({}) as Dict]) as [unknown[], Dict];

/** Arguments for a host function: plain data only (integral floats unboxed). */
function hostArgs(args: unknown[], kwargs: Dict): [unknown[], Dict] {
  if (args === NO_ARGS[0]) return NO_ARGS;
  return [args.map((a) => toData(a)), toData(kwargs) as Dict];
}

function compileArgs(src: string, call: CallArgs): (c: Ctx) => [unknown[], Dict] {
  const args = call.args.map((a) => compileExpr(src, a));
  const kwargs = call.kwargs.map(([k, e]) => [k, compileExpr(src, e)] as const);
  if (!args.length && !kwargs.length) return () => NO_ARGS;
  return (c) => {
    const kw: Dict = {};
    for (const [k, e] of kwargs) setOwn(kw, k, plain(e(c)));
    return [args.map((a) => plain(a(c))), kw];
  };
}

function invoke(c: Ctx, fn: unknown, args: unknown[], kwargs: Dict): unknown {
  if (fn instanceof Callable) {
    if (++c.budget.depth > MAX_CALL_DEPTH) throw evalError(`calls nested deeper than ${MAX_CALL_DEPTH}`);
    try {
      return fn.invoke(args, kwargs) ?? null;
    } finally {
      c.budget.depth--;
    }
  }
  if (fn instanceof Undefined) throw evalError(fn.hint);
  throw evalError(`'${typeName(fn)}' object is not callable`);
}

function compileCall(src: string, e: Extract<Expr, { k: 'call' }>): Ev {
  const argsOf = compileArgs(src, e);
  const fn = e.fn;
  if (fn.k === 'name') {
    const name = fn.name;
    // The common `ctx()` / `task('x')` path: when nothing local or in the data shadows the name,
    // call the registry function directly instead of wrapping it in a Callable first.
    return (c) => {
      const [args, kwargs] = argsOf(c);
      let shadowed = false;
      for (let f = c.frame; f !== null && !shadowed; f = f.parent) shadowed = f.vars.has(name);
      const d = c.data;
      if (!shadowed && !(isDict(d) && Object.prototype.hasOwnProperty.call(d, name))) {
        const host = lookupFunction(c.env, name);
        if (host) return host(c.data, ...hostArgs(args, kwargs)) ?? null;
        return invoke(c, globalValue(c, name), args, kwargs);
      }
      return invoke(c, lookupName(c, name), args, kwargs);
    };
  }
  const callee = compileExpr(src, fn);
  return (c) => {
    const f = callee(c);
    const [args, kwargs] = argsOf(c);
    return invoke(c, f, args, kwargs);
  };
}

function compileFilter(src: string, e: Extract<Expr, { k: 'filter' }>): Ev {
  const name = e.name;
  const node = compileExpr(src, e.node, name === 'decrypt_kv');
  const argsOf = compileArgs(src, e);
  const lenient = name === 'default' || name === 'd' || name === 'decrypt_kv';
  return (c) => {
    const raw = node(c);
    const value = lenient ? raw : plain(raw);
    const [args, kwargs] = argsOf(c);
    return applyFilter(c, name, value, args, kwargs);
  };
}

function compileTest(src: string, e: Extract<Expr, { k: 'test' }>): Ev {
  if (!builtinTests.has(e.name)) throw syntaxError(src, e.pos, `no test named '${e.name}'`);
  const node = compileExpr(src, e.node);
  const argsOf = compileArgs(src, e);
  const { name, negate } = e;
  return (c) => {
    const [args, kwargs] = argsOf(c);
    return applyTest(name, resolved(node(c)), args, kwargs) !== negate;
  };
}

function compareOp(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==': return eq(a, b);
    case '!=': return !eq(a, b);
    case 'in': return contains(plain(b), plain(a));
    case 'notin': return !contains(plain(b), plain(a));
    case '<': return compare(a, b, op) < 0;
    case '>': return compare(a, b, op) > 0;
    case '<=': return compare(a, b, op) <= 0;
    default: return compare(a, b, op) >= 0;
  }
}

function dictKey(k: unknown): string {
  if (typeof k === 'number') return numberRepr(k);
  if (k instanceof PyFloat) return floatRepr(k.value);
  if (typeof k === 'string') return k;
  if (k === null || typeof k === 'boolean') return str(k);
  throw evalError(`unhashable type: '${typeName(k)}'`);
}

function compileBinary(src: string, e: Extract<Expr, { k: 'bin' }>): Ev {
  const l = compileExpr(src, e.left);
  const r = compileExpr(src, e.right);
  const op = e.op;
  if (op === '+') {
    return (c) => {
      const a = l(c);
      const b = r(c);
      return typeof a === 'number' && typeof b === 'number' ? a + b : binary(op, a, b);
    };
  }
  return (c) => binary(op, l(c), r(c));
}

/** The closure computing `e`; with `keepRef`, `st2kv.system.x` stays a reference (for decrypt_kv and deeper keys). */
export function compileExpr(src: string, e: Expr, keepRef = false): Ev {
  switch (e.k) {
    case 'lit': {
      const v = e.value;
      return () => v;
    }
    case 'name': {
      const name = e.name;
      return (c) => lookupName(c, name);
    }
    case 'getattr': {
      const obj = compileExpr(src, e.obj, true);
      const name = e.name;
      return keepRef ? (c) => getAttr(obj(c), name) : (c) => resolved(getAttr(obj(c), name));
    }
    case 'getitem': {
      const obj = compileExpr(src, e.obj, true);
      const key = compileExpr(src, e.key);
      return keepRef ? (c) => getItem(obj(c), plain(key(c))) : (c) => resolved(getItem(obj(c), plain(key(c))));
    }
    case 'slice': {
      const obj = compileExpr(src, e.obj);
      const parts = [e.start, e.stop, e.step].map((p) => (p ? compileExpr(src, p) : () => null));
      return (c) => sliceOf(plain(obj(c)), plain(parts[0]!(c)), plain(parts[1]!(c)), plain(parts[2]!(c)));
    }
    case 'call': return compileCall(src, e);
    case 'filter': return compileFilter(src, e);
    case 'test': return compileTest(src, e);
    case 'bin': return compileBinary(src, e);
    case 'and': {
      const [l, r] = [compileExpr(src, e.left), compileExpr(src, e.right)];
      return (c) => {
        const a = l(c);
        return truthy(a) ? r(c) : a;
      };
    }
    case 'or': {
      const [l, r] = [compileExpr(src, e.left), compileExpr(src, e.right)];
      return (c) => {
        const a = l(c);
        return truthy(a) ? a : r(c);
      };
    }
    case 'not': {
      const n = compileExpr(src, e.node);
      return (c) => !truthy(n(c));
    }
    case 'neg':
    case 'pos': {
      const n = compileExpr(src, e.node);
      const sign = e.k === 'neg' ? -1 : 1;
      return (c) => {
        const v = plain(n(c));
        if (!isNumeric(v)) throw evalError(`bad operand type for unary ${sign < 0 ? '-' : '+'}: '${typeName(v)}'`);
        return v instanceof PyFloat ? new PyFloat(sign * v.value) : sign * Number(v);
      };
    }
    case 'cmp': {
      const first = compileExpr(src, e.first);
      const ops = e.ops.map(([op, x]) => [op, compileExpr(src, x)] as const);
      return (c) => {
        let left = first(c);
        for (const [op, x] of ops) {
          const right = x(c);
          if (!compareOp(op, left, right)) return false;
          left = right;
        }
        return true;
      };
    }
    case 'cond': {
      const [test, then] = [compileExpr(src, e.test), compileExpr(src, e.then)];
      const otherwise = e.otherwise ? compileExpr(src, e.otherwise) : null;
      return (c) => (truthy(test(c)) ? then(c) : otherwise ? otherwise(c)
        : new Undefined('the inline if-expression evaluated to false and no else section was defined', true));
    }
    case 'list': {
      const items = e.items.map((x) => compileExpr(src, x));
      return (c) => items.map((x) => plain(x(c)));
    }
    case 'tuple': {
      const items = e.items.map((x) => compileExpr(src, x));
      return (c) => tuple(items.map((x) => plain(x(c))));
    }
    case 'dict': {
      const items = e.items.map(([k, v]) => [compileExpr(src, k), compileExpr(src, v)] as const);
      return (c) => newDict(items.map(([k, v]) => [dictKey(plain(k(c))), plain(v(c))] as const));
    }
  }
}
