// The expression languages' one public surface: evaluate a bare expression, render a value
// from a workflow or rule spec, tell which language a string uses.
import { SquallError } from '../errors.js';
import type { EvalEnv } from './functions.js';
import {
  NONE_MAGIC_VALUE, compileJinjaExpression, compileJinjaTemplate, jinjaTemplateNames, type JinjaExpression, type JinjaTemplate,
} from './jinja/index.js';
import { repr } from './jinja/values.js';
import { compileYaql } from './yaql/index.js';

export type Lang = 'yaql' | 'jinja';
export { type EvalEnv, type HostFunction } from './functions.js';

// Compiled Jinja by source text, so a `when` evaluated for 10,000 items is parsed once. This is a
// memo of a pure function (same text, same closures), not state; the bound keeps a stream of
// distinct templates from growing memory without limit (oldest entry goes first). YAQL caches
// its own compiled expressions the same way in yaql/index.ts.
const CACHE_LIMIT = 10_000;
const jinjaExpressions = new Map<string, JinjaExpression>();
const jinjaTemplates = new Map<string, JinjaTemplate>();
const jinjaNames = new Map<string, ReadonlySet<string>>();

function cached<T>(cache: Map<string, T>, source: string, build: (s: string) => T): T {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  const compiled = build(source);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}

const NO_ENV: EvalEnv = Object.freeze({});

/** Evaluates one bare expression (no delimiters) of `lang`: yaql `$.a + 1`, jinja `ctx().a + 1`. */
export function evaluateExpression(lang: Lang, expr: string, data: unknown, env: EvalEnv = NO_ENV): unknown {
  if (lang === 'jinja') return cached(jinjaExpressions, expr, compileJinjaExpression).evaluate(data, env);
  if (lang === 'yaql') return compileYaql(expr).evaluate(data, env) ?? null;
  throw new SquallError('EXPR_SYNTAX', `unknown expression language '${String(lang)}' (use yaql or jinja)`);
}

const YAQL_EXPR = /<%([\s\S]*?)%>/g;
const YAQL_SINGLE = /^<%((?:(?!%>)[\s\S])*)%>$/;

/** Which language a string uses, or null when it has no expression. */
export function detectLang(s: string): Lang | null {
  // Called for every templated value rendered (a rule criterion per event): index arithmetic, no arrays.
  const yaql = s.indexOf('<%');
  const a = s.indexOf('{{');
  const b = s.indexOf('{%');
  const jinja = a < 0 ? b : b < 0 ? a : Math.min(a, b);
  if (yaql >= 0 && (jinja < 0 || yaql < jinja) && s.includes('%>', yaql + 2)) return 'yaql';
  return jinja >= 0 ? 'jinja' : null;
}

/** Python's str() of a value spliced into text, as Orquesta and st2 do. */
function spliced(v: unknown): string {
  return typeof v === 'string' ? v : repr(v ?? null);
}

function renderYaql(s: string, data: unknown, env: EvalEnv): unknown {
  const single = YAQL_SINGLE.exec(s);
  if (single) return compileYaql(single[1]!).evaluate(data, env) ?? null;
  return s.replace(YAQL_EXPR, (_, expr: string) => spliced(compileYaql(expr).evaluate(data, env)));
}

function renderString(s: string, data: unknown, env: EvalEnv): unknown {
  const lang = detectLang(s);
  if (lang === null) return s;
  if (lang === 'yaql') return renderYaql(s, data, env);
  return renderJinja(s, data, env, true);
}

/** Whether a string holds Jinja, by st2's test (is_jinja_expression: it contains `{{` or `{%`). */
export function hasJinja(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

/** The data variables a Jinja template reads (globals such as st2kv left out); throws EXPR_SYNTAX. */
export function templateNames(s: string): ReadonlySet<string> {
  return cached(jinjaNames, s, jinjaTemplateNames);
}

/**
 * Renders the Jinja of one string as st2 renders action parameters (`<% %>` is text there):
 * the text, or with `typed` the value of a string that is exactly one `{{ … }}`.
 */
export function renderJinja(s: string, data: unknown, env: EvalEnv, typed: boolean): unknown {
  const template = cached(jinjaTemplates, s, compileJinjaTemplate);
  const out = typed ? template.evaluate(data, env) : template.render(data, env);
  // st2's use_none filter marks None in rendered text; st2 turns the marker back into None.
  return out === NONE_MAGIC_VALUE ? null : out;
}

/**
 * Renders a value from a workflow/rule spec: walks arrays/objects; a string that is exactly one
 * `<% … %>` or `{{ … }}` yields the typed value, a string with text around expressions or several
 * of them yields a string, `{% %}` blocks render to a string; other values unchanged. Data coming
 * out of an expression is never rendered again.
 */
export function renderValue(value: unknown, data: unknown, env: EvalEnv = NO_ENV): unknown {
  if (typeof value === 'string') return renderString(value, data, env);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, data, env));
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const rendered = renderValue(v, data, env);
      if (k === '__proto__') Object.defineProperty(out, k, { value: rendered, writable: true, enumerable: true, configurable: true });
      else out[k] = rendered;
    }
    return out;
  }
  return value;
}
