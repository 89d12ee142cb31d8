// The packs module's public surface: register packs from directories, read and change
// actions, find the policies of an action. Other modules import only this file.
import { resolve } from 'node:path';
import { SquallError } from '../errors.js';
import * as rows from '../store/packs.js';
import type { Store, Tx } from '../store/types.js';
import { checkActionMetadata, checkEntryPoint, type EntryPointValidator, type RunnerRules } from './actions.js';
import { loadPack } from './loader.js';
import type { Action, Pack } from './model.js';
import type { Policy } from './policies.js';
import { throwProblems, type Problem, type Source } from './problems.js';

export type { Action, Pack, ParameterSchema, ParameterSpec } from './model.js';
export type { Policy, PolicyType, ConcurrencyParameters, ConcurrencyAttrParameters, RetryParameters } from './policies.js';
export type { Problem } from './problems.js';
export type { EntryPointValidator, RunnerRules } from './actions.js';

/**
 * Another kind of pack content (rules, trigger types, …) that other modules own and
 * register with the pack, so that a pack is registered whole or not at all.
 */
export interface PackContent {
  /**
   * Checks and stores this content of the pack in `dir`, replacing its previous version.
   * Runs inside the registration transaction, after the pack's actions and policies are
   * written; throwing (PACK_INVALID with every problem) rolls the registration back.
   */
  register(tx: Tx, dir: string, pack: string): Promise<void>;
  /** Deletes this content of pack `pack`, inside the transaction that removes the pack. */
  remove(tx: Tx, pack: string): Promise<void>;
}

/** What the packs module needs: the store, a clock, what runners exist, other content kinds. */
export interface PackDeps extends RunnerRules {
  store: Store;
  now: () => number;
  /** Other modules add their content kinds here when they are set up (like onFinished hooks). */
  contents: PackContent[];
  /** Called once a change to packs, actions or policies has committed (this node's caches). */
  onChange: Array<() => void>;
}

// st2's runner types whose actions run a file from the pack (entry_point relative to
// the pack's actions/ directory); the others take everything from their parameters.
const FILE_RUNNERS = [
  'local-shell-script', 'remote-shell-script', 'python-script', 'windows-script',
  'orquesta', 'action-chain', 'mistral-v2', 'node',
];

export interface PackOptions {
  /** Checks of entry point files by runner type, e.g. { orquesta: validateWorkflowFile }. */
  validateEntryPoint?: Readonly<Record<string, EntryPointValidator>>;
  contents?: PackContent[];
  onChange?: Array<() => void>;
}

/** PackDeps for the runners a node has (by st2 runner type name). */
export function createPackDeps(store: Store, now: () => number, runners: ReadonlyMap<string, unknown>, opts: PackOptions = {}): PackDeps {
  const runnerNames = new Set(runners.keys());
  return {
    store,
    now,
    runnerNames,
    entryPointRunners: new Set(FILE_RUNNERS.filter((r) => runnerNames.has(r))),
    validateEntryPoint: opts.validateEntryPoint,
    contents: opts.contents ?? [],
    onChange: opts.onChange ?? [],
  };
}

export interface RegisteredPack {
  pack: Pack;
  actions: Action[];
  policies: Policy[];
}

/** Runs a pack write in a transaction, then tells this node's caches (other nodes hear CATALOG_CHANNEL). */
async function write<T>(deps: PackDeps, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const result = await deps.store.tx(fn);
  for (const hook of deps.onChange) hook();
  return result;
}

/**
 * Loads the pack in `dir` and makes it the registered version, with every content kind in
 * deps.contents, in one transaction. Throws PACK_INVALID (every problem, file:line field)
 * and then changes nothing.
 */
export async function registerPack(deps: PackDeps, dir: string): Promise<RegisteredPack> {
  const loaded = await loadPack(dir, deps);
  const at = deps.now();
  const pack: Pack = { ...loaded.pack, registered_at: at };
  const actions: Action[] = loaded.actions.map((a) => ({ ...a, updated_at: at }));
  await write(deps, async (tx) => {
    await rows.replacePack(tx, pack, actions, loaded.policies);
    for (const content of deps.contents) await content.register(tx, resolve(dir), pack.name);
  });
  return { pack, actions, policies: loaded.policies };
}

/** Unregisters a pack with its actions, policies and other contents; throws PACK_NOT_FOUND. */
export async function removePack(deps: PackDeps, name: string): Promise<void> {
  const deleted = await write(deps, async (tx) => {
    for (const content of deps.contents) await content.remove(tx, name);
    return rows.deletePack(tx, name);
  });
  if (!deleted) throw new SquallError('PACK_NOT_FOUND', `no pack named ${name}`);
}

/** The registered pack `name`; throws PACK_NOT_FOUND. */
export async function getPack(deps: PackDeps, name: string): Promise<Pack> {
  const pack = await deps.store.read((tx) => rows.getPack(tx, name));
  if (!pack) throw new SquallError('PACK_NOT_FOUND', `no pack named ${name}`);
  return pack;
}

/** Every registered pack, by name. */
export function listPacks(deps: PackDeps): Promise<Pack[]> {
  return deps.store.read((tx) => rows.listPacks(tx));
}

/** The action `ref` ("pack.name") inside a transaction; throws ACTION_NOT_FOUND. */
export async function findAction(tx: Tx, ref: string): Promise<Action> {
  const action = await rows.getAction(tx, ref);
  if (!action) throw new SquallError('ACTION_NOT_FOUND', `no action named ${ref}`);
  return action;
}

/** The directory pack `name` was registered from (null for API-only packs or unknown packs). */
export async function packDirectory(tx: Tx, name: string): Promise<string | null> {
  return (await rows.getPack(tx, name))?.path ?? null;
}

/** The policies applying to action `actionRef`, inside a transaction. */
export function actionPolicies(tx: Tx, actionRef: string): Promise<Policy[]> {
  return rows.listPolicies(tx, actionRef);
}

/** The action `ref` ("pack.name"); throws ACTION_NOT_FOUND. */
export function getAction(deps: PackDeps, ref: string): Promise<Action> {
  return deps.store.read((tx) => findAction(tx, ref));
}

/** One page of actions (of one pack, when given) by ref, with the total for paging. */
export async function listActions(deps: PackDeps, q: rows.ActionQuery): Promise<{ actions: Action[]; total: number }> {
  return deps.store.read(async (tx) => ({ actions: await rows.listActions(tx, q), total: await rows.countActions(tx, q.pack) }));
}

/** The policies (enabled or not) that apply to action `actionRef`. */
export function policiesFor(deps: PackDeps, actionRef: string): Promise<Policy[]> {
  return deps.store.read((tx) => rows.listPolicies(tx, actionRef));
}

// API bodies have no file or lines: problems name only the field.
const body: Source = { lineOf: () => undefined };

/** Checks an API action body as action YAML is checked; returns the action to store. */
async function checkBody(deps: PackDeps, value: unknown, pack: Pack, extra: Problem[] = []): Promise<Action> {
  const checked = checkActionMetadata(value, pack.name, deps, body);
  const problems = [...extra, ...checked.problems];
  if (checked.action !== null) problems.push(...(await checkEntryPoint(checked.action, pack.path, deps, body)));
  if (problems.length || checked.action === null) throwProblems(problems);
  return { ...checked.action, updated_at: deps.now() };
}

function packOf(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>).pack : undefined;
}

/** Creates an action from an API body (st2 action metadata with `pack`); CONFLICT if it exists. */
export async function createAction(deps: PackDeps, value: unknown): Promise<Action> {
  const packName = packOf(value);
  if (typeof packName !== 'string') throwProblems([{ field: 'pack', message: 'is required: the pack the action belongs to' }]);
  const pack = await getPack(deps, packName);
  const action = await checkBody(deps, value, pack);
  const inserted = await write(deps, (tx) => rows.insertAction(tx, action));
  if (!inserted) throw new SquallError('CONFLICT', `action ${action.ref} already exists`, { field: 'name' });
  return action;
}

/** Replaces action `ref` with an API body; its pack and name cannot change. Throws ACTION_NOT_FOUND. */
export async function updateAction(deps: PackDeps, ref: string, value: unknown): Promise<Action> {
  const existing = await getAction(deps, ref);
  const pack = await getPack(deps, existing.pack);
  const name = value !== null && typeof value === 'object' ? (value as Record<string, unknown>).name : undefined;
  const renamed: Problem[] = typeof name === 'string' && name !== existing.name
    ? [{ field: 'name', message: `cannot change (action ${ref} is named ${existing.name}; got "${name}")` }]
    : [];
  const action = await checkBody(deps, value, pack, renamed);
  return write(deps, async (tx) => {
    await findAction(tx, ref);
    await rows.upsertAction(tx, action);
    return action;
  });
}

/** Deletes action `ref`; throws ACTION_NOT_FOUND. */
export async function deleteAction(deps: PackDeps, ref: string): Promise<void> {
  const deleted = await write(deps, (tx) => rows.deleteAction(tx, ref));
  if (!deleted) throw new SquallError('ACTION_NOT_FOUND', `no action named ${ref}`);
}
