// YAQL for Squall: compile once (cached by source text), evaluate against JSON-ish data.
// The reference is the Python yaql package (python3-yaql 2.0.0, as Orquesta uses it):
// same value, or the same kind of error, for the same expression and context.
import { SquallError } from '../../errors.js';
import type { EvalEnv } from '../functions.js';
import { compileAst } from './compile.js';
import { parse } from './parser.js';
import type { Ctx } from './runtime.js';
import { toOutput } from './values.js';

export interface CompiledYaql {
  evaluate(data: unknown, env?: EvalEnv): unknown;
}

// Parsed expressions by source text. A workflow evaluates the same `when` for every item,
// so parsing once matters; the bound keeps a stream of distinct expressions from growing
// memory without limit (the oldest entry goes first, as Map keeps insertion order).
const CACHE_LIMIT = 10_000;
const cache = new Map<string, CompiledYaql>();

const NO_ENV: EvalEnv = {};

function tooDeep(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

function build(source: string): CompiledYaql {
  let ev: (c: Ctx) => unknown;
  try {
    ev = compileAst(parse(source)).ev;
  } catch (err) {
    if (tooDeep(err)) throw new SquallError('EXPR_SYNTAX', 'position 0: expression too deeply nested', { column: 0 }, { cause: err });
    throw err;
  }
  return {
    evaluate(data: unknown, env: EvalEnv = NO_ENV): unknown {
      const d = data === undefined ? null : data;
      const ctx: Ctx = { d, vars: null, parent: null, env, root: d };
      try {
        return toOutput(ev(ctx));
      } catch (err) {
        if (err instanceof SquallError) throw err;
        const message = tooDeep(err) ? 'evaluation nested too deeply' : (err as Error).message;
        throw new SquallError('EXPR_EVAL', `${source}: ${message}`, {}, { cause: err });
      }
    },
  };
}

/** Parses once; cached by source text. Throws SquallError EXPR_SYNTAX ('position N: …') on a syntax error. */
export function compileYaql(source: string): CompiledYaql {
  const hit = cache.get(source);
  if (hit) return hit;
  const compiled = build(source);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}
