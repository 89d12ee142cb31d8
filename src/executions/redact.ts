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
  // Built on first use after a change, not on every add: a datastore with a thousand secrets
  // would otherwise sort and compile a thousand times per redactor.
  let pattern: RegExp | null = null;
  let stale = false;
  const add = (value: unknown) => {
    for (const form of formsOf(value)) {
      if (form.length < MIN_SECRET_CHARS || secrets.has(form)) continue;
      secrets.add(form);
      stale = true;
    }
  };
  const current = () => {
    if (stale) {
      // Longest first, so a secret containing another is masked whole.
      const sorted = [...secrets].sort((a, b) => b.length - a.length);
      pattern = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
      stale = false;
    }
    return pattern;
  };
  for (const v of initial) add(v);
  const text = (s: string) => {
    const p = current();
    return p === null ? s : s.replace(p, MASKED_VALUE);
  };
  const value = <T>(v: T): T => {
    if (current() === null) return v;
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
