// Triggers: a trigger type plus parameters, with a ref derived from both so that every
// rule naming the same type and parameters shares one trigger (as st2 does).
import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import { SquallError } from '../errors.js';
import * as rows from '../store/events.js';
import type { LocalConsumers } from '../store/queue.js';
import { rulesRevision } from '../store/revision.js';
import type { Tx } from '../store/types.js';
import type { Trigger, TriggerType } from './model.js';
import { builtinTriggerTypes } from './builtin-types.js';

/** What the events module needs from the node; created once per node, never global. */
export interface EventDeps {
  now: () => number;
  /** How long a delivery id is remembered for deduplication. */
  dedupeWindowMs: number;
  /** Compiled schema checks, keyed by trigger type ref and schema kind. */
  validators: Map<string, { schema: string; check: ValidateFunction }>;
  ajv: Ajv;
  /**
   * Whether any enabled rule listens on a trigger (set by the rules module). An instance no
   * rule can match is stored decided ('processed', as the rules engine would leave it) and is
   * not queued: most action-trigger instances (one per finished execution) cost one insert.
   */
  hasRules?: (tx: Tx, triggerRef: string) => Promise<boolean>;
  /** This node's queue consumers, so that a stored instance goes to its rules engine without a claim. */
  localConsumers?: LocalConsumers;
  /**
   * The parameterless triggers of built-in types, once read: their types are Squall's code and
   * such triggers are never deleted, so the action trigger of every finished execution costs
   * no lookup after the first.
   */
  builtinTriggers: Map<string, ResolvedTrigger>;
  /** The triggers each webhook url fires, as of a rules revision (see webhookTargets). */
  webhooks: { revision: number; byUrl: Map<string, ResolvedTrigger[]> };
}

export interface ResolvedTrigger {
  trigger: Trigger;
  type: TriggerType;
}

/** Delivery ids are remembered for 24 h unless the node is configured otherwise. */
export const DEFAULT_DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

export function createEventDeps(now: () => number, dedupeWindowMs = DEFAULT_DEDUPE_WINDOW_MS): EventDeps {
  return {
    now, dedupeWindowMs, validators: new Map(), ajv: new Ajv({ allErrors: false, strict: false }), builtinTriggers: new Map(),
    webhooks: { revision: -1, byUrl: new Map() },
  };
}

/** Sorted-key JSON, so equal parameters give equal refs whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The ref of the trigger for `type` with `parameters`: the type's own ref when there are none. */
export function triggerRef(type: TriggerType, parameters: Record<string, unknown>): string {
  if (Object.keys(parameters).length === 0) return type.ref;
  const hash = createHash('sha1').update(canonicalJson(parameters)).digest('hex').slice(0, 12);
  return `${type.ref}.${hash}`;
}

/** Checks `value` against one of the type's schemas; returns the first problem as "field: message", or null. */
export function schemaProblem(deps: EventDeps, type: TriggerType, kind: 'payload' | 'parameters', value: unknown): string | null {
  const schema = kind === 'payload' ? type.payload_schema : type.parameters_schema;
  if (Object.keys(schema).length === 0) return null;
  const key = `${kind}:${type.ref}`;
  const text = JSON.stringify(schema);
  let entry = deps.validators.get(key);
  if (!entry || entry.schema !== text) {
    entry = { schema: text, check: deps.ajv.compile(schema) };
    deps.validators.set(key, entry);
  }
  if (entry.check(value)) return null;
  const e = entry.check.errors![0]!;
  const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = (e.params as { missingProperty?: string }).missingProperty;
  return `${[field, missing].filter(Boolean).join('.') || kind}: ${e.message}`;
}

export async function requireTriggerType(tx: Tx, ref: string): Promise<TriggerType> {
  const type = await rows.getTriggerType(tx, ref);
  if (!type) throw new SquallError('TRIGGER_NOT_FOUND', `no trigger type ${ref}`, { field: 'trigger.type' });
  return type;
}

/** The trigger for `typeRef` + `parameters`, created when it does not exist yet. */
export async function ensureTriggerFor(tx: Tx, deps: EventDeps, typeRef: string, parameters: Record<string, unknown>): Promise<ResolvedTrigger> {
  const type = await requireTriggerType(tx, typeRef);
  const problem = schemaProblem(deps, type, 'parameters', parameters);
  if (problem) throw new SquallError('RULE_INVALID', `trigger.parameters.${problem} (trigger type ${type.ref})`, { field: 'trigger.parameters' });
  const ref = triggerRef(type, parameters);
  const trigger: Trigger = { ref, pack: type.pack, name: ref.slice(type.pack.length + 1), type: type.ref, parameters, created_at: deps.now() };
  await rows.ensureTrigger(tx, trigger);
  return { trigger, type };
}

/** Resolves a trigger ref (or a parameterless type ref) to its trigger and type. */
export async function resolveTrigger(tx: Tx, deps: EventDeps, ref: string): Promise<ResolvedTrigger> {
  const known = deps.builtinTriggers.get(ref);
  if (known) return known;
  const trigger = await rows.getTrigger(tx, ref);
  if (trigger) {
    const found = { trigger, type: await requireTriggerType(tx, trigger.type) };
    // Kept once the transaction that read it commits (it may have written it, and roll back).
    if (trigger.ref === trigger.type && BUILTIN_TYPE_REFS.has(trigger.type)) tx.onEnd((committed) => committed && void deps.builtinTriggers.set(ref, found));
    return found;
  }
  const type = await rows.getTriggerType(tx, ref);
  if (!type) throw new SquallError('TRIGGER_NOT_FOUND', `no trigger or trigger type ${ref}`, { field: 'trigger' });
  return ensureTriggerFor(tx, deps, ref, {});
}

// Urls kept at most: past it the cache starts again (a webhook of a url no rule names is not kept at all).
const MAX_WEBHOOK_URLS = 10_000;

/**
 * The triggers a webhook url fires, with their types, read from committed data (call it in
 * store.read). Kept until the rules revision moves (any rule, trigger or trigger type
 * changing moves it), so a webhook costs one primary-key read instead of three queries.
 */
export async function webhookTargets(tx: Tx, deps: EventDeps, url: string): Promise<ResolvedTrigger[]> {
  const revision = await rulesRevision(tx);
  if (deps.webhooks.revision !== revision || deps.webhooks.byUrl.size >= MAX_WEBHOOK_URLS) deps.webhooks = { revision, byUrl: new Map() };
  const known = deps.webhooks.byUrl.get(url);
  if (known) return known;
  const targets: ResolvedTrigger[] = [];
  for (const trigger of await rows.webhookTriggers(tx, url)) targets.push({ trigger, type: await requireTriggerType(tx, trigger.type) });
  if (targets.length) deps.webhooks.byUrl.set(url, targets);
  return targets;
}

const BUILTIN_TYPE_REFS: ReadonlySet<string> = new Set(builtinTriggerTypes(0).map((t) => t.ref));

/** Stores (or refreshes) the built-in trigger types. */
export async function registerBuiltinTriggerTypes(tx: Tx, now: number): Promise<void> {
  for (const t of builtinTriggerTypes(now)) await rows.upsertTriggerType(tx, t);
}
