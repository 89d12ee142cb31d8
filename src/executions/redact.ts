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

// Compiled patterns by the secrets they match. Every finished execution and every rule
// enforcement masks with the same secrets (the list changes only when a secret does), so
// they share one compiled pattern: this is a memo of a pure function (same secrets, same
// pattern), not state, bounded so a stream of distinct sets (executions with secret
// parameters of their own) cannot grow it without limit: the least recently used goes first.
// A global RegExp is safe to share: replace() starts it at 0.
const PATTERN_LIMIT = 64;
const patterns = new Map<string, RegExp>();

function patternFor(secrets: ReadonlySet<string>): RegExp {
  const key = JSON.stringify([...secrets]);
  const hit = patterns.get(key);
  if (hit) {
    patterns.delete(key);
    patterns.set(key, hit);
    return hit;
  }
  // Longest first, so a secret containing another is masked whole.
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  if (patterns.size >= PATTERN_LIMIT) patterns.delete(patterns.keys().next().value as string);
  patterns.set(key, pattern);
  return pattern;
}

export function createRedactor(initial: Iterable<unknown> = []): Redactor {
  const secrets = new Set<string>();
  // Looked up on first use after a change, not on every add: a datastore with a thousand
  // secrets would otherwise build a thousand keys per redactor.
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
      pattern = patternFor(secrets);
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
