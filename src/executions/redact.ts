// Secret values out of what an execution produces: its result and its output lines are
// stored (and streamed) only after every known secret value in them is replaced by
// ********, so a script that echoes its password back leaks nothing.
import type { ParameterSchema } from '../packs/model.js';
import { MASKED_VALUE } from './parameters.js';

// Shorter values are not searched for: masking every "on" or "42" in the output would
// wreck it while hiding nothing a guess would not find. st2 masks by key only.
export const MIN_SECRET_CHARS = 4;

export interface Redactor {
  /** Adds a value to mask from now on (a datastore secret the action read, say). */
  add(value: unknown): void;
  text(s: string): string;
  /** A deep copy of a JSON value with every secret masked in its strings (keys included). */
  value<T>(v: T): T;
}

/** The string forms a secret can take in output: itself, and its JSON encoding for non-strings. */
function formsOf(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (typeof value === 'object') return [JSON.stringify(value)];
  return [String(value)];
}

export function createRedactor(initial: Iterable<unknown> = []): Redactor {
  const secrets = new Set<string>();
  let pattern: RegExp | null = null;
  const add = (value: unknown) => {
    for (const form of formsOf(value)) {
      if (form.length < MIN_SECRET_CHARS || secrets.has(form)) continue;
      secrets.add(form);
      // Longest first, so a secret containing another is masked whole.
      const sorted = [...secrets].sort((a, b) => b.length - a.length);
      pattern = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    }
  };
  for (const v of initial) add(v);
  const text = (s: string) => (pattern === null ? s : s.replace(pattern, MASKED_VALUE));
  const value = <T>(v: T): T => {
    if (pattern === null) return v;
    if (typeof v === 'string') return text(v) as T;
    if (Array.isArray(v)) return v.map(value) as T;
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [text(k), value(x)])) as T;
    }
    return v;
  };
  return { add, text, value };
}

/** The values of the parameters `schema` marks secret. */
export function secretParameterValues(schema: ParameterSchema, params: Record<string, unknown>): unknown[] {
  return Object.entries(schema).filter(([name, spec]) => spec.secret === true && params[name] != null).map(([name]) => params[name]);
}

/**
 * Masks datastore secrets in the parameters the API shows (a rule or workflow may have rendered
 * a decrypted key into a parameter not marked secret); the stored parameters keep them for the run.
 */
export function redactParameters<E extends { parameters: Record<string, unknown> }>(list: readonly E[], secrets: Iterable<unknown>): E[] {
  const r = createRedactor(secrets);
  return list.map((e) => ({ ...e, parameters: r.value(e.parameters) }));
}
