// The evaluation model shared by the compiler and the standard library: contexts (the `$`
// and `$name` scopes yaql chains together), compiled nodes, and how a function sees its call.
import type { EvalEnv } from '../functions.js';
import { type Dict, evalError, hasKey } from './values.js';

/** One layer of yaql's context chain. `$` and `$1` are the same slot (yaql normalises `$` to `$1`). */
export interface Ctx {
  readonly d: unknown;
  readonly vars: Dict | null;
  readonly parent: Ctx | null;
  readonly env: EvalEnv;
  /** The data the evaluation started with: what host functions such as ctx() receive. */
  readonly root: unknown;
  /** Functions def() added in this layer; they shadow every other function of the same name. */
  readonly fns?: Readonly<Record<string, (args: unknown[], kw: Dict) => unknown>>;
}

/** The function def() defined under `name` in `c` or an enclosing context, if any. */
export function lookupDefined(c: Ctx, name: string): ((args: unknown[], kw: Dict) => unknown) | undefined {
  for (let layer: Ctx | null = c; layer; layer = layer.parent) {
    if (layer.fns && hasKey(layer.fns, name)) return layer.fns[name];
  }
  return undefined;
}

/** A compiled expression: a closure plus what the compiler knows about it statically. */
export interface Node {
  readonly ev: (c: Ctx) => unknown;
  readonly pos: number;
  /** Statically a Python float (a literal like 2.0, float(), or arithmetic on one): `/` is then true division. */
  readonly isFloat: boolean;
  /** Set for a bare identifier, the name (`a` in `$.a`, `get(a)`, `a => 1`). */
  readonly keyword?: string;
  /** Set for a skipped argument (`f(, 1)`): the function's default applies. */
  readonly hole?: boolean;
  /** Set for a `key => value` argument whose key is an expression; the node evaluates to a MappingPair. */
  readonly pair?: { readonly key: Node; readonly value: Node };
}

/** A call as a standard-library function sees it. For a method, args[0] is the receiver. */
export interface Inv {
  readonly ctx: Ctx;
  readonly args: readonly Node[];
  readonly kw: Readonly<Record<string, Node>> | null;
  readonly pos: number;
  readonly name: string;
  /** Called as `x.f()` (args[0] is x) rather than `f(x)`. */
  readonly isMethod: boolean;
}

/** A standard-library function: whether it may be called as `f(x)`, as `x.f()`, or both. */
export interface YaqlFunction {
  readonly method: boolean;
  readonly func: boolean;
  /** yaql's parameter names by position (receiver first), so `f(x, count => 2)` can name one. */
  readonly params?: readonly string[];
  call(inv: Inv): unknown;
}

/** The value `let()` and `with()` return: a context that `->` evaluates its right side in. */
export class ContextValue {
  constructor(readonly ctx: Ctx) {}
}

/** A `key => value` argument whose key is an expression (not a bare name): dict() takes these. */
export class MappingPair {
  constructor(
    readonly key: unknown,
    readonly value: unknown,
  ) {}
}

export function lookupVar(c: Ctx, name: string): unknown {
  if (name === '' || name === '1') return c.d;
  for (let layer: Ctx | null = c; layer; layer = layer.parent) {
    if (layer.vars && hasKey(layer.vars, name)) return layer.vars[name];
  }
  return null;
}

/** A child context where `$` (= `$1`), `$2`, … are `xs` and `$name` are `named`'s entries. */
export function childCtx(parent: Ctx, xs: readonly unknown[], named?: Dict): Ctx {
  let vars: Dict | null = null;
  if (xs.length > 1 || named) {
    vars = Object.create(null) as Dict;
    for (let i = 1; i < xs.length; i++) vars[String(i + 1)] = xs[i];
    if (named) for (const k of Object.keys(named)) vars[k] = named[k];
  }
  return { d: xs.length > 0 ? xs[0] : parent.d, vars, parent, env: parent.env, root: parent.root };
}

export function constNode(v: unknown, pos: number): Node {
  return { ev: () => v, pos, isFloat: false };
}

/** yaql's NoMatchingFunctionException: the name exists, the arguments fit none of its forms. */
export function noMatch(inv: Inv, why?: string): Error {
  return evalError(inv.pos, `no form of ${inv.name}() accepts these arguments${why ? ` (${why})` : ''}`);
}

function pairNotAllowed(inv: Inv, n: Node): Error {
  return evalError(n.pos, `${inv.name}() takes no 'key => value' argument with a computed key (a named argument is a bare name)`);
}

/**
 * Evaluates every positional argument in the caller's context (a skipped one is undefined).
 * A `'key' => value` argument is accepted only by the functions that take pairs (dict,
 * set), as in yaql, which cannot turn it into a named argument otherwise.
 */
export function argValues(inv: Inv, allowPairs = false): unknown[] {
  return inv.args.map((n) => {
    if (n.pair && !allowPairs) throw pairNotAllowed(inv, n);
    return n.hole ? undefined : n.ev(inv.ctx);
  });
}

/** Argument `i` as a yaql lambda: evaluated with `$` bound to its first parameter. */
export function lambdaArg(inv: Inv, i: number): ((...xs: unknown[]) => unknown) | undefined {
  const node = inv.args[i];
  if (!node || node.hole) return undefined;
  if (node.pair) throw pairNotAllowed(inv, node);
  return (...xs: unknown[]) => node.ev(childCtx(inv.ctx, xs));
}

/** A function whose arguments are all values (receiver first for a method); no named arguments. */
export function valueFn(
  kind: 'method' | 'function' | 'both',
  impl: (a: unknown[], inv: Inv) => unknown,
): YaqlFunction {
  return {
    method: kind !== 'function',
    func: kind !== 'method',
    call(inv) {
      if (inv.kw) throw noMatch(inv, 'it takes no named arguments');
      return impl(argValues(inv), inv);
    },
  };
}

/** A function that decides itself how to evaluate its arguments (lambdas, named arguments). */
export function lazyFn(kind: 'method' | 'function' | 'both', impl: (inv: Inv) => unknown): YaqlFunction {
  return { method: kind !== 'function', func: kind !== 'method', call: impl };
}
