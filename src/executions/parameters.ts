// Parameter resolution: the runner's parameters merged under the action's, the given values
// checked against the merged schema (coercing CLI strings), defaults applied. Every problem
// is reported at once, each naming its parameter.
import { SquallError } from '../errors.js';
import type { Action, ParameterSchema, ParameterSpec } from '../packs/model.js';
import type { Runner } from '../runners/types.js';

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
// and kept in rule enforcements.
const quoteFor = (spec: ParameterSpec) => (v: unknown) => (spec.secret ? MASKED_VALUE : show(v));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, on: true, off: false, '1': true, '0': false };

type Coerced = { ok: true; value: unknown } | { ok: false };

function tryJson(text: string): Coerced {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** st2 CLI's object form `key1=val1,key2=val2` (how `env` is documented). */
function keyValues(text: string): Coerced {
  const value: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return { ok: false };
    value[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return { ok: true, value };
}

/** Converts a CLI string to the declared type; other values must already have it. */
function coerceTo(type: string, value: unknown, spec: ParameterSpec): Coerced {
  const text = typeof value === 'string' ? value.trim() : null;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { ok: true, value } : { ok: false };
    case 'integer': {
      if (typeof value === 'number') return Number.isInteger(value) ? { ok: true, value } : { ok: false };
      return text !== null && /^[-+]?\d+$/.test(text) ? { ok: true, value: Number(text) } : { ok: false };
    }
    case 'number': {
      if (typeof value === 'number') return Number.isFinite(value) ? { ok: true, value } : { ok: false };
      const n = text === null || text === '' ? NaN : Number(text);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const b = text === null ? undefined : BOOLEAN_WORDS[text.toLowerCase()];
      return b === undefined ? { ok: false } : { ok: true, value: b };
    }
    case 'array': {
      let list: unknown = value;
      if (text !== null) {
        const parsed = text.startsWith('[') ? tryJson(text) : { ok: true as const, value: text === '' ? [] : text.split(',').map((s) => s.trim()) };
        if (!parsed.ok) return parsed;
        list = parsed.value;
      }
      if (!Array.isArray(list)) return { ok: false };
      const itemType = isPlainObject(spec.items) && typeof spec.items.type === 'string' ? spec.items.type : undefined;
      if (!itemType) return { ok: true, value: list };
      const items: unknown[] = [];
      for (const item of list) {
        const c = coerceTo(itemType, item, isPlainObject(spec.items) ? (spec.items as ParameterSpec) : {});
        if (!c.ok) return c;
        items.push(c.value);
      }
      return { ok: true, value: items };
    }
    case 'object': {
      const parsed = text === null ? { ok: true as const, value } : text.startsWith('{') ? tryJson(text) : keyValues(text);
      return parsed.ok && isPlainObject(parsed.value) ? parsed : { ok: false };
    }
    case 'null':
      return value === null || text === 'null' ? { ok: true, value: null } : { ok: false };
    default:
      return { ok: true, value };
  }
}

/** The declared types: `type` may be one name or a JSON-Schema list of names. */
function typesOf(spec: ParameterSpec): string[] {
  const t = spec.type as unknown;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}

/** The first declared type the value fits (a string is tried as-is first when "string" is declared). */
function coerce(spec: ParameterSpec, value: unknown): Coerced {
  const types = typesOf(spec);
  if (types.length === 0) return { ok: true, value };
  const ordered = types.includes('string') && typeof value === 'string' ? ['string'] : types;
  for (const type of ordered) {
    const c = coerceTo(type, value, spec);
    if (c.ok) return c;
  }
  return { ok: false };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The JSON-Schema keywords st2 packs use on parameters besides type and enum. */
function constraintProblems(spec: ParameterSpec, value: unknown): string[] {
  const problems: string[] = [];
  const quote = quoteFor(spec);
  if (Array.isArray(spec.enum) && !spec.enum.some((e) => sameValue(e, value))) {
    problems.push(`${quote(value)} is not one of ${spec.enum.map(quote).join(', ')}`);
  }
  if (typeof value === 'number') {
    if (typeof spec.minimum === 'number' && value < spec.minimum) problems.push(`${quote(value)} is less than the minimum ${spec.minimum}`);
    if (typeof spec.maximum === 'number' && value > spec.maximum) problems.push(`${quote(value)} is more than the maximum ${spec.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof spec.minLength === 'number' && value.length < spec.minLength) problems.push(`shorter than ${spec.minLength} characters`);
    if (typeof spec.maxLength === 'number' && value.length > spec.maxLength) problems.push(`longer than ${spec.maxLength} characters`);
    if (typeof spec.pattern === 'string' && !new RegExp(spec.pattern, 'u').test(value)) problems.push(`${quote(value)} does not match ${spec.pattern}`);
  }
  return problems;
}

/** Checks one given value; returns the value to keep or the problems with it. */
function checkGiven(name: string, spec: ParameterSpec, given: unknown): { value?: unknown; problems: string[] } {
  const quote = quoteFor(spec);
  if (spec.immutable && 'default' in spec && !sameValue(given, spec.default)) {
    return { problems: [`is immutable: it cannot be changed from ${quote(spec.default)}`] };
  }
  if (spec.immutable && !('default' in spec)) return { problems: ['is immutable and cannot be given'] };
  // null on an optional parameter means "no value", as st2 allows None for optional parameters.
  if (given === null && !spec.required) return { value: null, problems: [] };
  const c = coerce(spec, given);
  if (!c.ok) return { problems: [`expected ${typesOf(spec).join(' or ')}, got ${quote(given)}`] };
  return { value: c.value, problems: constraintProblems(spec, c.value) };
}

/** Resolves the parameters of one execution, or throws PARAMETERS_INVALID listing every problem. */
export function resolveParameters(action: Action, runner: Runner, given: Record<string, unknown>): Record<string, unknown> {
  const schema = mergeParameterSchemas(runner.parameters, action.parameters);
  const problems: ParameterProblem[] = [];
  const resolved: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!(name in schema)) {
      problems.push({ field: `parameters.${name}`, message: `unknown parameter (${action.ref} takes ${Object.keys(schema).sort().join(', ') || 'none'})` });
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    const has = Object.prototype.hasOwnProperty.call(given, name) && given[name] !== undefined;
    if (has) {
      const checked = checkGiven(name, spec, given[name]);
      for (const message of checked.problems) problems.push({ field: `parameters.${name}`, message });
      if (checked.problems.length === 0) resolved[name] = checked.value;
    } else if (spec.default !== undefined && spec.default !== null) {
      resolved[name] = structuredClone(spec.default);
    } else if (spec.required) {
      problems.push({ field: `parameters.${name}`, message: 'is required' });
    }
  }
  if (problems.length > 0) {
    const text = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    throw new SquallError('PARAMETERS_INVALID', text, { field: problems[0]!.field }, { details: problems });
  }
  return resolved;
}

/** A copy of `params` with the value of every secret parameter replaced by `********`. */
export function maskSecrets(schema: ParameterSchema, params: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = { ...params };
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.secret && masked[name] !== undefined && masked[name] !== null) masked[name] = MASKED_VALUE;
  }
  return masked;
}
