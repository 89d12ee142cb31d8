// What an evaluation sees: template-local frames, then the data's keys, then the globals
// (range, dict, namespace, st2kv, the shared function registry, st2's filters as functions).
import { lookupFunction, type EvalEnv } from '../functions.js';
import type { FilterRuntime } from './filter-api.js';
import { builtinFilters } from './filters.js';
import { MAX_RANGE } from './runtime.js';
import { st2Filters } from './st2-filters.js';
import { builtinTests } from './tests.js';
import {
  Callable, KvRef, Namespace, Undefined, evalError, hasOwn, isDict, newDict, str, toData, toInt, type Dict,
} from './values.js';

export interface Frame {
  vars: Map<string, unknown>;
  parent: Frame | null;
}

/** Limits of one render: loop iterations, output characters, macro call depth. */
export interface Budget {
  iterations: number;
  chars: number;
  depth: number;
}

export interface Ctx {
  data: unknown;
  env: EvalEnv;
  frame: Frame | null;
  budget: Budget;
}

// A template looping past this is a runaway (10^6 iterations is about a second of CPU), not a workflow.
export const MAX_ITERATIONS = 1_000_000;
export const MAX_CALL_DEPTH = 100;

function range(args: unknown[]): number[] {
  if (!args.length) throw evalError('range expected at least 1 argument, got 0');
  const [start, stop, step] = args.length === 1 ? [0, toInt(args[0]), 1] : [toInt(args[0]), toInt(args[1]), args.length > 2 ? toInt(args[2]) : 1];
  if (step === 0) throw evalError('range() arg 3 must not be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (n > MAX_RANGE) throw evalError(`range too big: ${n} items, the limit is ${MAX_RANGE}`);
  return Array.from({ length: n }, (_, i) => start + i * step);
}

const GLOBALS = new Map<string, Callable>([
  ['range', new Callable('range', (args) => range(args))],
  ['dict', new Callable('dict', (args, kwargs) => {
    const base = args.length && isDict(args[0]) ? Object.entries(args[0]) : [];
    return newDict([...base, ...Object.entries(kwargs)]);
  })],
  ['namespace', new Callable('namespace', (args, kwargs) => {
    const ns = new Namespace();
    if (args.length && isDict(args[0])) for (const [k, v] of Object.entries(args[0])) ns.vars.set(k, v);
    for (const [k, v] of Object.entries(kwargs)) ns.vars.set(k, v);
    return ns;
  })],
]);

function kvLookup(env: EvalEnv): (key: string, decrypt: boolean) => unknown {
  return (key, decrypt) => {
    if (!env.kv) throw evalError('st2kv: no datastore is available in this evaluation');
    return env.kv(key, { decrypt });
  };
}

/** A global by name: a builtin, st2kv, a registry function, or one of st2's filters as a function. */
export function globalValue(c: Ctx, name: string): unknown {
  const g = GLOBALS.get(name);
  if (g) return g;
  if (name === 'st2kv' && !(c.env.functions && hasOwn(c.env.functions, 'st2kv'))) {
    return new KvRef([], kvLookup(c.env));
  }
  const fn = lookupFunction(c.env, name);
  if (fn) return new Callable(name, (args, kwargs) => fn(c.data, args.map((a) => toData(a)), toData(kwargs) as Dict));
  const f = st2Filters.get(name);
  if (f) return new Callable(name, (args, kwargs) => f(args[0], args.slice(1), kwargs, filterRuntime(c)));
  return new Undefined(`'${name}' is undefined`);
}

/** Whether `name` is a global every evaluation has (not one of the host's own functions). */
export function isGlobalName(name: string): boolean {
  return GLOBALS.has(name) || lookupFunction({}, name) !== undefined || st2Filters.has(name);
}

/** A variable: template frames first, then the data's own keys, then globals. */
export function lookupName(c: Ctx, name: string): unknown {
  for (let f = c.frame; f !== null; f = f.parent) {
    const v = f.vars.get(name);
    if (v !== undefined) return v;
  }
  const d = c.data;
  if (typeof d === 'object' && d !== null && isDict(d) && hasOwn(d, name)) return d[name];
  return globalValue(c, name);
}

/** A filter by name: Jinja's, st2's, then the function registry with the value first. */
export function applyFilter(c: Ctx, name: string, value: unknown, args: unknown[], kwargs: Dict): unknown {
  const f = builtinFilters.get(name) ?? st2Filters.get(name);
  if (f) return f(value, args, kwargs, filterRuntime(c));
  const fn = lookupFunction(c.env, name);
  if (fn) return fn(c.data, [value, ...args].map((a) => toData(a)), toData(kwargs) as Dict);
  throw evalError(`no filter named '${name}'`);
}

export function applyTest(name: string, value: unknown, args: unknown[], kwargs: Dict): boolean {
  const t = builtinTests.get(name);
  if (!t) throw evalError(`no test named '${str(name)}'`);
  return t(value, args, kwargs);
}

function filterRuntime(c: Ctx): FilterRuntime {
  return {
    filter: (name, value, args, kwargs) => applyFilter(c, name, value, args, kwargs),
    test: (name, value, args, kwargs) => applyTest(name, value, args, kwargs),
  };
}
