// The function registry both expression languages share: StackStorm's and Orquesta's
// functions (ctx, json, yaml, zip, st2kv) plus whatever the host adds (the workflow
// engine registers task, result, item, succeeded, failed, completed, task_status).
import { parse as parseYaml } from 'yaml';
import { PYYAML } from '../pyyaml.js';
import { SquallError } from '../errors.js';

/** A function callable from both YAQL (`f(a, k => v)`) and Jinja (`f(a, k=v)`). */
export type HostFunction = (root: unknown, args: unknown[], kwargs: Record<string, unknown>) => unknown;

/** What the host gives an evaluation besides the data. */
export interface EvalEnv {
  /** Functions the host adds; they shadow the shared ones of the same name. */
  functions?: Readonly<Record<string, HostFunction>>;
  /** Datastore lookup behind st2kv('system.key') and st2kv.system.key; absent, st2kv raises EXPR_EVAL. */
  kv?: (key: string, opts: { decrypt: boolean }) => unknown;
}

function evalError(message: string): SquallError {
  return new SquallError('EXPR_EVAL', message);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const sharedFunctions: Readonly<Record<string, HostFunction>> = {
  // Orquesta: ctx() is the whole context, ctx(name) one variable (error when undefined).
  ctx(root, args) {
    if (args.length === 0) return root;
    const name = String(args[0]);
    if (!isRecord(root) || !Object.prototype.hasOwnProperty.call(root, name)) {
      throw evalError(`ctx(): variable '${name}' is not defined`);
    }
    return root[name];
  },
  json(_root, args) {
    const s = args[0];
    if (typeof s !== 'string') return s;
    try {
      return JSON.parse(s);
    } catch (err) {
      throw evalError(`json(): not valid JSON: ${(err as Error).message}`);
    }
  },
  yaml(_root, args) {
    const s = args[0];
    return typeof s === 'string' ? parseYaml(s, PYYAML) : s;
  },
  // Orquesta's zip pads the shorter lists with None (Python's zip_longest), unlike yaql's.
  zip(_root, args, kwargs) {
    const lists = args.map((a) => (Array.isArray(a) ? a : []));
    const pad = 'pad' in kwargs ? kwargs.pad : null;
    const n = Math.max(0, ...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : pad)));
  },
};

/** The lookup name of st2kv('…')'s key: 'system.x' and 'user.x' as given, else st2's default, the user scope. */
export function kvName(key: string): string {
  return /^(system|user)\./.test(key) ? key : `user.${key}`;
}

/**
 * st2kv('system.name') / st2kv('user.name', decrypt => true) / st2kv('name', default => v)
 * through the host's lookup. As st2 (st2common expressions/functions/datastore.py): a name
 * without 'system.' is the user scope, and a missing key is an error unless a default is given.
 */
export function st2kv(env: EvalEnv, key: unknown, decrypt: unknown, fallback?: { value: unknown }): unknown {
  if (!env.kv) throw evalError('st2kv(): no datastore is available in this evaluation');
  if (typeof key !== 'string' || key === '') throw evalError(`st2kv(): the key must be a non-empty string (got ${JSON.stringify(key)})`);
  if (decrypt != null && typeof decrypt !== 'boolean') throw evalError(`st2kv(): decrypt must be true or false (got ${JSON.stringify(decrypt)})`);
  const name = kvName(key);
  const value = env.kv(name, { decrypt: decrypt === true });
  if (value !== undefined) return value;
  if (fallback) return fallback.value;
  throw evalError(`st2kv(): the key "${name}" does not exist in the datastore (give default => VALUE to use a value instead)`);
}

/** The function named `name` for this evaluation, or undefined. */
export function lookupFunction(env: EvalEnv, name: string): HostFunction | undefined {
  const own = env.functions;
  if (own && Object.prototype.hasOwnProperty.call(own, name)) return own[name];
  if (name === 'st2kv') {
    return (_root, args, kwargs) => st2kv(env, args[0], kwargs.decrypt ?? args[1], 'default' in kwargs ? { value: kwargs.default } : undefined);
  }
  return Object.prototype.hasOwnProperty.call(sharedFunctions, name) ? sharedFunctions[name] : undefined;
}
