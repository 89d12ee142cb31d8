// Datastore values for expressions. The evaluators are synchronous and the datastore is in
// the store, so the keys a template may read are loaded first (one query per scope) and
// looked up from that snapshot:
//
//   const read = kvReader(datastore, mayDecrypt);                 // once per node
//   const names = referencedKeys(template);                       // st2kv.system.x, st2kv('user.y')
//   await read(tx, user, names, (kv) => renderValue(template, data, { kv }));
//
// A key named only at run time (st2kv(ctx().key_name), as st2's examples do) is not in the
// texts: the first pass notes every key it asked for that was not loaded (and sees null for
// it), those keys are loaded, and the evaluation runs again. So `evaluate` must be
// repeatable: nothing it did may count until it returns from a pass that asked for nothing.
//
// Rules read as their owner, workflows and actions as the user who started the execution,
// pack configs as the system; `mayDecrypt` comes from RBAC (key:decrypt on the key), so a
// template cannot decrypt what its user could not read through the API.
import { kvName, type EvalEnv } from '../expr/functions.js';
import { SquallError } from '../errors.js';
import { getKvMany } from '../store/kv.js';
import type { Tx } from '../store/types.js';
import { pairFromRow, type DatastoreDeps, type KeyValuePair } from './service.js';
import type { KvScope } from './names.js';

// st2kv.system.a.b, st2kv.user.a, st2kv('system.a.b'), st2kv("user.x", decrypt=true), st2kv('x')
const DOTTED = /st2kv\s*\.\s*(system|user)\s*\.\s*([A-Za-z0-9_][A-Za-z0-9_.:/-]*)/g;
const CALLED = /st2kv\s*\(\s*['"]([^'"]+)['"]/g;

/**
 * Every datastore name the texts may read, as 'system.x' / 'user.x'. A dotted reference
 * st2kv.system.a.b yields both 'system.a' and 'system.a.b' (key a with attribute b, or key a.b).
 */
export function referencedKeys(...texts: readonly string[]): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    if (!text.includes('st2kv')) continue;
    for (const m of text.matchAll(DOTTED)) {
      const parts = m[2]!.split('.');
      for (let i = 1; i <= parts.length; i++) out.add(`${m[1]}.${parts.slice(0, i).join('.')}`);
    }
    for (const m of text.matchAll(CALLED)) out.add(kvName(m[1]!));
  }
  return [...out];
}

/** Every string inside a JSON-like value (a compiled workflow, a rule's parameters). */
export function textsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) textsIn(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) textsIn(v, out);
  return out;
}

/** Whether `user` (null: the system) may decrypt the secret `scope`.`name`. */
/** Whether `user` may decrypt a secret; `tx`: the caller's transaction, if it holds one (reads go through it). */
export type MayDecrypt = (user: string | null, scope: KvScope, name: string, tx?: Tx) => Promise<boolean>;

/** The system (no user) decrypts system keys: pack configs, work started by pack rules. */
export const systemMayDecrypt: MayDecrypt = async (_user, scope) => scope === 'system';

/** The lookup expressions call: 'system.x' / 'user.x' → the value, undefined when the key does not exist. */
export type KvLookup = NonNullable<EvalEnv['kv']>;

/**
 * Runs `evaluate` with st2kv reading the datastore as `user` (null: the system, which has no
 * user scope): `names` are loaded before the first pass, keys asked for beyond them before
 * the next (`again` is true from the second pass on). Inside `tx` when given.
 */
export type KvReader = <T>(
  tx: Tx | null, user: string | null, names: readonly string[], evaluate: (kv: KvLookup, again: boolean) => T | Promise<T>,
) => Promise<T>;

// A key whose name comes from a key whose name comes from a key…: past this depth the
// template is a loop, not configuration.
const MAX_PASSES = 8;

interface Entry {
  pair: KeyValuePair;
  /** The clear value, when the user may decrypt the secret. */
  clear?: unknown;
}

async function load(
  deps: DatastoreDeps, tx: Tx | null, user: string | null, names: readonly string[], mayDecrypt: MayDecrypt, into: Map<string, Entry>,
): Promise<void> {
  const wanted = { system: [] as string[], user: [] as string[] };
  for (const n of names) {
    const dot = n.indexOf('.');
    const scope = n.slice(0, dot);
    if (scope === 'system' || scope === 'user') wanted[scope].push(n.slice(dot + 1));
  }
  if (!wanted.system.length && !(user && wanted.user.length)) return;
  const now = deps.now();
  const read = async (t: Tx) => [
    ...(await getKvMany(t, 'system', '', wanted.system, now)),
    ...(user ? await getKvMany(t, 'user', user, wanted.user, now) : []),
  ];
  for (const r of tx ? await read(tx) : await deps.store.read(read)) {
    const scope = r.scope as KvScope;
    const entry: Entry = { pair: pairFromRow(deps, r, false) };
    if (entry.pair.secret && (await mayDecrypt(user, scope, r.name, tx ?? undefined))) entry.clear = pairFromRow(deps, r, true).value;
    into.set(`${scope}.${r.name}`, entry);
  }
}

/** The one way expressions read the datastore (see the top of this file). */
export function kvReader(deps: DatastoreDeps, mayDecrypt: MayDecrypt): KvReader {
  return async (tx, user, names, evaluate) => {
    const pairs = new Map<string, Entry>();
    const loaded = new Set<string>();
    let wanted = [...new Set(names)];
    for (let pass = 1; ; pass++) {
      await load(deps, tx, user, wanted, mayDecrypt, pairs);
      for (const n of wanted) loaded.add(n);
      const asked = new Set<string>();
      const lookup: KvLookup = (key, { decrypt }) => {
        if (!loaded.has(key)) {
          if (pass === MAX_PASSES) {
            throw new SquallError('EXPR_EVAL', `st2kv(): ${key} is named by datastore values ${MAX_PASSES} levels deep; Squall stops there`);
          }
          asked.add(key);
          return null;
        }
        const hit = pairs.get(key);
        if (!hit) return undefined;
        if (!hit.pair.secret || !decrypt) return hit.pair.value;
        if (!('clear' in hit)) {
          throw new SquallError('EXPR_EVAL', `st2kv(): ${user === null ? 'the system' : `user ${user}`} may not decrypt ${key} (that needs permission key:decrypt on it)`);
        }
        return hit.clear;
      };
      const out = await evaluate(lookup, pass > 1);
      if (asked.size === 0) return out;
      wanted = [...asked];
    }
  };
}
