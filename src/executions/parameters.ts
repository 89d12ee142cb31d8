// Parameter resolution: the runner's parameters merged under the action's, defaults applied,
// templates rendered (parameter-templates.ts), then every value checked against the merged
// schema, coercing CLI strings and rendered text to the declared types as st2 casts them.
// Every problem is reported at once, each naming its parameter.
import { SquallError } from '../errors.js';
import { renderJinja, type EvalEnv } from '../expr/index.js';
import type { Action, ParameterSchema, ParameterSpec } from '../packs/model.js';
import type { Runner } from '../runners/types.js';
import { checkValue, sameValue, typesOf, type Quote } from './coercion.js';
import { CONTEXT_NAMES, mapTemplates, planTemplates, renderOrder, type TemplatePlan } from './parameter-templates.js';

/** st2's MASKED_ATTRIBUTE_VALUE. */
export const MASKED_VALUE = '********';

export interface ParameterProblem {
  field: string;
  message: string;
}

/**
 * The schema an execution is validated against: for each name the runner's spec with the
 * action's attributes over it, `immutable` true if either says so (st2
 * action_param_utils._merge_param_meta_values).
 */
export function mergeParameterSchemas(runner: ParameterSchema, action: ParameterSchema): ParameterSchema {
  // A memo of a pure function: the catalog hands out the same action objects until a pack
  // changes, and every execution merged them several times (start, masking, redaction).
  const known = mergedSchemas.get(action)?.get(runner);
  if (known) return known;
  const merged = mergeSchemas(runner, action);
  let byRunner = mergedSchemas.get(action);
  if (!byRunner) mergedSchemas.set(action, (byRunner = new WeakMap()));
  byRunner.set(runner, merged);
  return merged;
}

const mergedSchemas = new WeakMap<ParameterSchema, WeakMap<ParameterSchema, ParameterSchema>>();

function mergeSchemas(runner: ParameterSchema, action: ParameterSchema): ParameterSchema {
  const merged: ParameterSchema = {};
  for (const name of new Set([...Object.keys(runner), ...Object.keys(action)])) {
    const r = runner[name];
    const a = action[name];
    const spec: ParameterSpec = { ...r, ...a };
    if (r?.immutable || a?.immutable) spec.immutable = true;
    merged[name] = spec;
  }
  return merged;
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v));
// A problem with a secret parameter never quotes its value: the message is answered, logged
// and kept in rule enforcements. Nor does one with a value rendered from a secret, the
// datastore or the pack config.
const quoteFor = (hidden: boolean): Quote => (v) => (hidden ? MASKED_VALUE : show(v));

/** The values an execution is requested with. */
export interface GivenParameters {
  /** Given for a direct run (API, CLI): Jinja in them is rendered, as st2's live parameters. */
  live?: Record<string, unknown>;
  /** Rendered already, by a rule or a workflow, or resolved for an earlier execution: taken as they are. */
  rendered?: Record<string, unknown>;
}

/** What parameter templates read besides the other parameters. */
export interface TemplateEnv {
  /** st2kv: the datastore, read as the execution's user. */
  kv?: EvalEnv['kv'];
  /** config_context: the resolved config of the action's pack. */
  config?: Record<string, unknown>;
  /** action_context: the execution's context (user, source, rule, …). */
  context?: Record<string, unknown>;
}

/** One parameter's value before rendering and checking: given, or its default. */
interface Start {
  value: unknown;
  given: boolean;
  plan: TemplatePlan | null;
}

const own = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;
const hasDefault = (spec: ParameterSpec) => spec.default !== undefined && spec.default !== null;

/**
 * Where a parameter's value starts: what was given, else its default. An immutable parameter
 * always has its default (st2 _process_defaults): what a rule, a workflow or an earlier
 * execution passes for it is replaced, as st2 does; what a direct run gives is checked once
 * the default is rendered (checkImmutables).
 */
function startOf(name: string, spec: ParameterSpec, given: Required<GivenParameters>, names: ReadonlySet<string>, report: (message: string) => void): Start | null {
  const isLive = own(given.live, name);
  if (spec.immutable && isLive && !hasDefault(spec)) return report('is immutable and cannot be given'), null;
  if (!spec.immutable && (isLive || own(given.rendered, name))) {
    const value = isLive ? given.live[name] : given.rendered[name];
    return { value, given: true, plan: isLive ? planTemplates(value, names) : null };
  }
  if (!hasDefault(spec)) return spec.required ? (report('is required'), null) : null;
  const value = structuredClone(spec.default);
  return { value, given: false, plan: planTemplates(value, names) };
}

/**
 * Renders one parameter's templates over `data`: with the runner's own renderer when it has
 * one for the parameter (the shell runners' cmd), else as Jinja. A lone `{{ … }}` keeps the
 * type of its value when the parameter is not a string (nested strings always do), as st2's
 * to_complex; otherwise the text, cast after.
 */
function renderStart(name: string, spec: ParameterSpec, start: Start, runner: Runner, data: Record<string, unknown>, kv: EvalEnv['kv']): { ok: true; value: unknown } | { ok: false; error: string } {
  const env: EvalEnv = kv ? { kv } : {};
  const renderer = runner.renderers?.[name];
  const templates = start.plan!.templates;
  try {
    if (renderer && typeof start.value === 'string') return renderer(start.value, (t) => String(renderJinja(t, data, env, false)));
    const types = typesOf(spec);
    const typed = types.length > 0 && !types.includes('string');
    if (typeof start.value === 'string') return { ok: true, value: renderJinja(start.value, data, env, typed) };
    return { ok: true, value: mapTemplates(start.value, templates, (t) => renderJinja(t, data, env, true)) };
  } catch (err) {
    if (!(err instanceof SquallError)) throw err;
    return { ok: false, error: `cannot render: ${err.message}` };
  }
}

const listed = (names: readonly string[]) => names.join(', ');

/** One resolution under way: the values so far and the problems found. */
interface Resolution {
  schema: ParameterSchema;
  /** What templates read: the contexts, then every declared parameter (null until it has a value). */
  data: Record<string, unknown>;
  resolved: Map<string, unknown>;
  /** Parameters with a problem. */
  failed: Set<string>;
  /** Parameters whose value may hold a secret: problems with them never quote it. */
  hidden: Set<string>;
  problems: ParameterProblem[];
  report(name: string, message: string): void;
  /** Checks a given or rendered value and keeps it (coerced) when it passes. */
  accept(name: string, value: unknown): void;
  /** Keeps a value as it is (a default of the pack's). */
  keep(name: string, value: unknown): void;
}

function newResolution(schema: ParameterSchema, env: TemplateEnv): Resolution {
  const names = Object.keys(schema);
  const data: Record<string, unknown> = { config_context: env.config ?? {}, action_context: env.context ?? {} };
  for (const name of names) data[name] = null;
  const r: Resolution = {
    schema, data, resolved: new Map(), failed: new Set(), hidden: new Set(names.filter((n) => schema[n]!.secret)), problems: [],
    report(name, message) {
      r.failed.add(name);
      r.problems.push({ field: `parameters.${name}`, message });
    },
    accept(name, value) {
      const checked = checkValue(schema[name]!, value, quoteFor(r.hidden.has(name)));
      for (const message of checked.problems) r.report(name, message);
      if (checked.problems.length === 0) r.keep(name, checked.value);
    },
    keep(name, value) {
      r.resolved.set(name, value);
      data[name] = value;
    },
  };
  return r;
}

/** Renders the template parameters, each after those it reads, and checks what they render to. */
function renderTemplates(r: Resolution, action: Action, runner: Runner, starts: ReadonlyMap<string, Start>, kv: EvalEnv['kv']): void {
  const plans = new Map([...starts].filter(([, s]) => s.plan).map(([n, s]) => [n, s.plan!]));
  const { order, cycles } = renderOrder(plans);
  for (const cycle of cycles) {
    for (const name of new Set(cycle)) r.report(name, `its template is part of a cycle: ${cycle.join(' → ')}`);
  }
  for (const name of order) {
    const plan = plans.get(name)!;
    if (plan.unknown.length) {
      r.report(name, `its template reads ${listed(plan.unknown)}, which ${plan.unknown.length > 1 ? 'are' : 'is'} neither a parameter of ${action.ref} nor ${listed([...CONTEXT_NAMES])}`);
      continue;
    }
    // A parameter it reads has a problem of its own, reported already.
    if ([...plan.reads].some((d) => r.failed.has(d))) continue;
    if (plan.readsConfig || [...plan.templates].some((t) => t.includes('st2kv')) || [...plan.reads].some((d) => r.hidden.has(d))) r.hidden.add(name);
    const out = renderStart(name, r.schema[name]!, starts.get(name)!, runner, r.data, kv);
    if (out.ok) r.accept(name, out.value);
    else r.report(name, out.error);
  }
}

/** An immutable parameter a direct run gives a value: it must be the default, as written or as rendered. */
function checkImmutables(r: Resolution, live: Record<string, unknown>): void {
  for (const [name, spec] of Object.entries(r.schema)) {
    if (!spec.immutable || !hasDefault(spec) || !own(live, name) || !r.resolved.has(name)) continue;
    if (!sameValue(live[name], spec.default) && !sameValue(live[name], r.resolved.get(name))) {
      r.report(name, `is immutable: it cannot be changed from ${quoteFor(r.hidden.has(name))(spec.default)}`);
    }
  }
}

/**
 * Resolves the parameters of one execution (st2 render_live_params + render_final_params),
 * or throws PARAMETERS_INVALID listing every problem.
 */
export function resolveParameters(action: Action, runner: Runner, given: GivenParameters, env: TemplateEnv = {}): Record<string, unknown> {
  const schema = mergeParameterSchemas(runner.parameters, action.parameters);
  const values: Required<GivenParameters> = { live: given.live ?? {}, rendered: given.rendered ?? {} };
  const r = newResolution(schema, env);
  for (const name of new Set([...Object.keys(values.live), ...Object.keys(values.rendered)])) {
    if (!(name in schema)) r.report(name, `unknown parameter (${action.ref} takes ${listed(Object.keys(schema).sort()) || 'none'})`);
  }
  const names = new Set(Object.keys(schema));
  const starts = new Map<string, Start>();
  for (const [name, spec] of Object.entries(schema)) {
    const start = startOf(name, spec, values, names, (message) => r.report(name, message));
    if (start) starts.set(name, start);
  }
  for (const [name, start] of starts) {
    // Defaults are the pack's, taken as they are; what was given is checked.
    if (!start.plan) (start.given ? r.accept : r.keep)(name, start.value);
  }
  renderTemplates(r, action, runner, starts, env.kv);
  checkImmutables(r, values.live);
  if (r.problems.length > 0) {
    const text = r.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    throw new SquallError('PARAMETERS_INVALID', text, { field: r.problems[0]!.field }, { details: r.problems });
  }
  return Object.fromEntries([...names].filter((n) => r.resolved.has(n)).map((n) => [n, r.resolved.get(n)]));
}

/** A copy of `params` with the value of every secret parameter replaced by `********`. */
export function maskSecrets(schema: ParameterSchema, params: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = { ...params };
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.secret && masked[name] !== undefined && masked[name] !== null) masked[name] = MASKED_VALUE;
  }
  return masked;
}
