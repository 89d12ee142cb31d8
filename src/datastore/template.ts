// Datastore values for expressions. The evaluators are synchronous, so the keys a template
// may read are loaded first (one query per scope) and looked up from that snapshot:
//
//   const names = referencedKeys(template1, template2);          // st2kv.system.x, st2kv('user.y')
//   const snap = await preloadKv(datastore, names, { user, mayDecrypt });
//   renderJinja(template, context, { kv: kvLookup(snap) });       // EvalEnv['kv']
//
// The rules engine calls this with the rule owner as `user`, the workflow engine with the
// execution's context.user; `mayDecrypt` comes from authorize(principal, 'key:decrypt', …),
// so a template cannot decrypt what its user could not read through the API.
import type { EvalEnv } from '../expr/functions.js';
import { SquallError } from '../errors.js';
import { getKvMany } from '../store/kv.js';
import { pairFromRow, type DatastoreDeps, type KeyValuePair } from './service.js';
import type { KvScope } from './names.js';

export interface KvSnapshot {
  /** 'system.name' / 'user.name' → the pair (secrets encrypted) and, when allowed, its clear value. */
  readonly pairs: ReadonlyMap<string, { pair: KeyValuePair; clear?: unknown }>;
}

// st2kv.system.a.b, st2kv.user.a, st2kv('system.a.b'), st2kv("user.x", decrypt=true)
const DOTTED = /st2kv\s*\.\s*(system|user)\s*\.\s*([A-Za-z0-9_][A-Za-z0-9_.:/-]*)/g;
const CALLED = /st2kv\s*\(\s*['"](system|user)\.([^'"]+)['"]/g;

/**
 * Every datastore name the texts may read, as 'system.x' / 'user.x'. A dotted reference
 * st2kv.system.a.b yields both 'system.a' and 'system.a.b' (key a with attribute b, or key a.b).
 */
export function referencedKeys(...texts: readonly string[]): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    for (const re of [DOTTED, CALLED]) {
      for (const m of text.matchAll(re)) {
        const parts = m[2]!.split('.');
        for (let i = 1; i <= parts.length; i++) out.add(`${m[1]}.${parts.slice(0, i).join('.')}`);
      }
    }
  }
  return [...out];
}

export interface PreloadOptions {
  /** Whose user scope `user.` names read; null: no user scope (lookups find nothing). */
  user: string | null;
  /** Whether this user may decrypt the given secret; secrets it may not stay encrypted. */
  mayDecrypt: (scope: KvScope, name: string) => boolean;
}

/** Loads the named keys ('system.x' / 'user.x') in one read. */
export async function preloadKv(deps: DatastoreDeps, names: readonly string[], opts: PreloadOptions): Promise<KvSnapshot> {
  const wanted = { system: [] as string[], user: [] as string[] };
  for (const n of names) {
    const dot = n.indexOf('.');
    const scope = n.slice(0, dot);
    if (scope === 'system' || scope === 'user') wanted[scope].push(n.slice(dot + 1));
  }
  const now = deps.now();
  const found = await deps.store.read(async (tx) => [
    ...(await getKvMany(tx, 'system', '', wanted.system, now)),
    ...(opts.user ? await getKvMany(tx, 'user', opts.user, wanted.user, now) : []),
  ]);
  const pairs = new Map<string, { pair: KeyValuePair; clear?: unknown }>();
  for (const r of found) {
    const scope = r.scope as KvScope;
    const pair = pairFromRow(deps, r, false);
    const entry: { pair: KeyValuePair; clear?: unknown } = { pair };
    if (pair.secret && opts.mayDecrypt(scope, r.name)) entry.clear = pairFromRow(deps, r, true).value;
    pairs.set(`${scope}.${r.name}`, entry);
  }
  return { pairs };
}

/** The lookup behind st2kv: a missing key is undefined (Jinja renders ''), a secret needs decrypt. */
export function kvLookup(snapshot: KvSnapshot): NonNullable<EvalEnv['kv']> {
  return (key, { decrypt }) => {
    const hit = snapshot.pairs.get(key);
    if (!hit) return undefined;
    if (!hit.pair.secret || !decrypt) return hit.pair.value;
    if (!('clear' in hit)) throw new SquallError('EXPR_EVAL', `st2kv(): not allowed to decrypt ${key}`);
    return hit.clear;
  };
}
