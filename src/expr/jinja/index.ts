// Sandboxed Jinja2 for StackStorm templates: parse once into closures, evaluate against plain
// data. A template reaches only its data, its own locals and a fixed set of globals.
import { SquallError } from '../../errors.js';
import type { EvalEnv } from '../functions.js';
import { compileExpr, plain, type Ev } from './compile-expr.js';
import { compileTemplateBody } from './compile-stmt.js';
import { lexExpression, lexTemplate, normalizeSource } from './lexer.js';
import { undeclaredNames } from './names.js';
import { Parser } from './parser.js';
import { LoopContext } from './runtime.js';
import { isGlobalName, type Ctx } from './scope.js';
import { Callable, PyFloat, Tuple, KvRef, Namespace, Undefined, evalError, isDict, newDict, repr, resolveKv, str } from './values.js';

export { NONE_MAGIC_VALUE } from './st2-filters.js';

const NO_ENV: EvalEnv = Object.freeze({});

/** A compiled bare expression (what sits between `{{` and `}}`). */
export interface JinjaExpression {
  evaluate(data: unknown, env?: EvalEnv): unknown;
}

/** A compiled template. `single` is true when it is exactly one `{{ … }}` and nothing else. */
export interface JinjaTemplate {
  readonly single: boolean;
  /** The typed value when `single`, otherwise the rendered text. */
  evaluate(data: unknown, env?: EvalEnv): unknown;
  render(data: unknown, env?: EvalEnv): string;
}

function newCtx(data: unknown, env: EvalEnv, withFrame: boolean): Ctx {
  return {
    data,
    env,
    frame: withFrame ? { vars: new Map(), parent: null } : null,
    budget: { iterations: 0, chars: 0, depth: 0 },
  };
}

/** Runs `fn`, turning anything that is not already an expression error into one; `source` names the expression. */
function guarded<T>(fn: () => T, source?: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SquallError) {
      if (source === undefined || err.code !== 'EXPR_EVAL') throw err;
      const shown = source.length > 120 ? source.slice(0, 117) + '...' : source;
      throw new SquallError('EXPR_EVAL', `${JSON.stringify(shown)}: ${err.message}`, err.where, { cause: err });
    }
    if (err instanceof RangeError) {
      throw new SquallError('EXPR_EVAL', `template too large or too deeply nested: ${err.message}`, {}, { cause: err });
    }
    throw new SquallError('EXPR_EVAL', `evaluation failed: ${(err as Error)?.message ?? String(err)}`, {}, { cause: err });
  }
}

/** A value leaving the template: plain JSON-like data only (no runtime objects, no cycles). */
function toResult(v: unknown, seen?: Set<object>): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Undefined) {
    if (v.lenient) return '';
    throw evalError(v.hint);
  }
  if (v instanceof KvRef) return resolveKv(v);
  if (v instanceof PyFloat) return v.value;
  if (v instanceof Callable || v instanceof Namespace || v instanceof LoopContext) return repr(v);
  // Created only for containers: most results are scalars.
  seen ??= new Set();
  if (seen.has(v)) throw evalError('the result contains a reference to itself');
  if (Array.isArray(v)) {
    seen.add(v);
    const out: unknown[] = [];
    for (const x of v) out.push(toResult(x, seen));
    seen.delete(v);
    return v instanceof Tuple || out.some((x, i) => x !== v[i]) ? out : v;
  }
  if (isDict(v)) {
    seen.add(v);
    const keys = Object.keys(v);
    const vals = keys.map((k) => toResult(v[k], seen));
    seen.delete(v);
    return vals.some((x, i) => x !== v[keys[i]!]) ? newDict(keys.map((k, i) => [k, vals[i]] as const)) : v;
  }
  return repr(v);
}

function parseExpression(source: string): Ev {
  const src = source;
  const tokens = lexExpression(src);
  return compileExpr(src, new Parser(src, tokens).parseExpressionOnly());
}

/** Compiles a bare Jinja expression; throws EXPR_SYNTAX with line and column. */
export function compileJinjaExpression(source: string): JinjaExpression {
  const ev = guarded(() => parseExpression(source));
  return {
    evaluate: (data, env = NO_ENV) => guarded(() => toResult(ev(newCtx(data, env, false))), source),
  };
}

/** Compiles a template with st2's settings (StrictUndefined, trim_blocks, lstrip_blocks). */
export function compileJinjaTemplate(source: string): JinjaTemplate {
  return guarded(() => {
    const src = normalizeSource(source);
    const tokens = lexTemplate(src);
    const t0 = tokens[0]?.type;
    const close = tokens.findIndex((t) => t.type === 'var_end');
    // Exactly one {{ … }} and nothing else, not even the trailing newline Jinja would drop.
    const single = source.endsWith('}}') && t0 === 'var_begin' && close === tokens.length - 2 && tokens[close + 1]?.type === 'eof';
    if (single) {
      const ev = compileExpr(src, new Parser(src, [...tokens.slice(1, close), { type: 'eof', value: '', pos: tokens[close]!.pos }]).parseExpressionOnly());
      const evaluate = (data: unknown, env: EvalEnv = NO_ENV) => guarded(() => toResult(ev(newCtx(data, env, false))), source);
      const render = (data: unknown, env: EvalEnv = NO_ENV) => guarded(() => str(plain(ev(newCtx(data, env, false)))), source);
      return { single, evaluate, render };
    }
    const run = compileTemplateBody(src, new Parser(src, tokens).parseTemplate());
    const render = (data: unknown, env: EvalEnv = NO_ENV) => guarded(() => {
      const out: string[] = [];
      run(newCtx(data, env, true), out);
      return out.join('');
    }, source);
    return { single, evaluate: render, render };
  });
}

/**
 * The data variables a template reads, as Jinja2's meta.find_undeclared_variables (globals such
 * as range or st2kv left out); throws EXPR_SYNTAX.
 */
export function jinjaTemplateNames(source: string): ReadonlySet<string> {
  return guarded(() => {
    const src = normalizeSource(source);
    const names = undeclaredNames(new Parser(src, lexTemplate(src)).parseTemplate());
    return new Set([...names].filter((n) => !isGlobalName(n)));
  });
}
