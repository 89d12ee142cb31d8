// Creating, changing and reading rules and rule enforcements. A change made for someone
// (the API) is audited in its own transaction, under the rule's ref, with what changed.
import { audit, type Actor } from '../auth/audit.js';
import { SquallError } from '../errors.js';
import { ensureTriggerFor, type EventDeps } from '../events/triggers.js';
import type { MaskDeps } from '../executions/masking.js';
import type { LineOf } from '../packs/problems.js';
import * as eventRows from '../store/events.js';
import { newId } from '../store/ids.js';
import * as rows from '../store/rules.js';
import type { Store, Tx } from '../store/types.js';
import { checkRuleSpec, ruleInvalid, DEFAULT_PACK } from './definition.js';
import type { Rule, RuleEnforcement, RuleProblem, RuleSpec } from './model.js';

export interface RuleAdminDeps {
  store: Store;
  now: () => number;
  events: EventDeps;
  /** Actions looked up (rule checks) and the parameters shown masked (rule test and replay). */
  executions: MaskDeps;
}

/** Where a rule came from, for error messages and for pack re-registration. */
export interface RuleSource {
  file?: string;
  lineOf?: LineOf;
  /** Pack-relative file the rule was loaded from. */
  sourceFile?: string | null;
  /** Who created it (recorded as context.user, whose datastore scope its templates read). */
  user?: string;
}

/** Parses and checks a rule body, including that its trigger type and action exist; throws RULE_INVALID. */
export async function checkRule(tx: Tx, deps: RuleAdminDeps, raw: unknown, src: RuleSource = {}, defaultPack = DEFAULT_PACK): Promise<RuleSpec> {
  const { spec, problems } = checkRuleSpec(raw, defaultPack);
  if (!spec) throw ruleInvalid(problems, src.file, src.lineOf);
  const refs: RuleProblem[] = [];
  if (!(await eventRows.getTriggerType(tx, spec.trigger.type))) {
    refs.push({ path: ['trigger', 'type'], message: `unknown trigger type ${JSON.stringify(spec.trigger.type)} (see \`squall trigger list\`)` });
  }
  try {
    await deps.executions.findAction(tx, spec.action.ref);
  } catch (err) {
    if (!(err instanceof SquallError)) throw err;
    refs.push({ path: ['action', 'ref'], message: `unknown action ${JSON.stringify(spec.action.ref)} (see \`squall action list\`)` });
  }
  if (refs.length) throw ruleInvalid(refs, src.file, src.lineOf);
  return spec;
}

/** Stores `spec` as rule pack.name (replacing a rule of that ref when `replace`), creating its trigger. */
export async function saveRule(tx: Tx, deps: RuleAdminDeps, spec: RuleSpec, opts: RuleSource & { replace: boolean }): Promise<Rule> {
  const ref = `${spec.pack}.${spec.name}`;
  const existing = await rows.getRule(tx, ref);
  if (existing && !opts.replace) throw new SquallError('CONFLICT', `rule ${ref} already exists (use \`squall rule update\`)`);
  let trigger;
  try {
    ({ trigger } = await ensureTriggerFor(tx, deps.events, spec.trigger.type, spec.trigger.parameters));
  } catch (err) {
    if (err instanceof SquallError && err.code === 'RULE_INVALID' && opts.lineOf) {
      throw ruleInvalid([{ path: ['trigger', 'parameters'], message: err.message.replace(/^trigger\.parameters\./, '') }], opts.file, opts.lineOf);
    }
    throw err;
  }
  const now = deps.now();
  const context = opts.user && !spec.context?.user ? { ...spec.context, user: opts.user } : spec.context;
  const rule: Rule = {
    ...spec,
    ...(context ? { context } : {}),
    id: existing?.id ?? newId(now),
    ref,
    trigger_ref: trigger.ref,
    source_file: opts.sourceFile ?? null,
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  await rows.upsertRule(tx, rule);
  if (existing && existing.trigger_ref !== rule.trigger_ref) await eventRows.deleteTriggerIfUnused(tx, existing.trigger_ref);
  return rule;
}

/** The top-level fields (and the keys of object fields, as `criteria.trigger.body.x`) whose values differ. */
function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (same(a, b)) continue;
    if (!isObject(a) || !isObject(b)) out.push(key);
    else for (const sub of new Set([...Object.keys(a), ...Object.keys(b)])) if (!same(a[sub], b[sub])) out.push(`${key}.${sub}`);
  }
  return out.sort();
}

// What a rule change is compared on: the rule as its author wrote it.
const specOf = ({ id: _id, ref: _ref, trigger_ref: _t, source_file: _s, created_at: _c, updated_at: _u, ...spec }: Rule) => spec;

async function auditRule(tx: Tx, deps: Pick<RuleAdminDeps, 'now'>, actor: Actor, action: string, rule: Rule, details: Record<string, unknown>): Promise<void> {
  await audit(tx, { actor, ts: deps.now(), action, resourceType: 'rule', resourceRef: rule.ref, details });
}

/** Creates a rule owned by the actor (its context.user, whose permissions it acts with). */
export function createRule(deps: RuleAdminDeps, raw: unknown, actor: Actor): Promise<Rule> {
  return deps.store.tx(async (tx) => {
    const rule = await saveRule(tx, deps, await checkRule(tx, deps, raw), { user: actor.user, replace: false });
    await auditRule(tx, deps, actor, 'rule.create', rule, { trigger: rule.trigger.type, action: rule.action.ref });
    return rule;
  });
}

/** Replaces rule `ref` with `raw` (whose pack.name must be the same ref). */
export function updateRule(deps: RuleAdminDeps, ref: string, raw: unknown, actor: Actor): Promise<Rule> {
  return deps.store.tx(async (tx) => {
    const existing = await rows.getRule(tx, ref);
    if (!existing) throw new SquallError('RULE_NOT_FOUND', `no rule ${ref}`);
    const spec = await checkRule(tx, deps, raw, {}, existing.pack);
    if (`${spec.pack}.${spec.name}` !== existing.ref) {
      throw new SquallError('RULE_INVALID', `the body names rule ${spec.pack}.${spec.name}, not ${existing.ref} (a rule's pack and name cannot change)`, { field: 'name' });
    }
    const rule = await saveRule(tx, deps, spec, { user: actor.user, sourceFile: existing.source_file, replace: true });
    await auditRule(tx, deps, actor, 'rule.update', rule, { changes: changedFields(specOf(existing), specOf(rule)) });
    return rule;
  });
}

export function setRuleEnabled(deps: RuleAdminDeps, ref: string, enabled: boolean, actor: Actor): Promise<Rule> {
  return deps.store.tx(async (tx) => {
    const rule = await rows.getRule(tx, ref);
    if (!rule) throw new SquallError('RULE_NOT_FOUND', `no rule ${ref}`);
    const next = { ...rule, enabled, updated_at: deps.now() };
    await rows.upsertRule(tx, next);
    await auditRule(tx, deps, actor, enabled ? 'rule.enable' : 'rule.disable', next, { changes: rule.enabled === enabled ? [] : ['enabled'] });
    return next;
  });
}

export function deleteRule(deps: Pick<RuleAdminDeps, 'store' | 'now'>, ref: string, actor: Actor): Promise<Rule> {
  return deps.store.tx(async (tx) => {
    const rule = await rows.getRule(tx, ref);
    if (!rule) throw new SquallError('RULE_NOT_FOUND', `no rule ${ref}`);
    await rows.deleteRule(tx, rule.ref);
    await eventRows.deleteTriggerIfUnused(tx, rule.trigger_ref);
    await auditRule(tx, deps, actor, 'rule.delete', rule, {});
    return rule;
  });
}

export async function getRule(deps: Pick<RuleAdminDeps, 'store'>, ref: string): Promise<Rule> {
  const rule = await deps.store.read((tx) => rows.getRule(tx, ref));
  if (!rule) throw new SquallError('RULE_NOT_FOUND', `no rule ${ref}`);
  return rule;
}

export function listRules(deps: Pick<RuleAdminDeps, 'store'>, f: Parameters<typeof rows.listRules>[1] = {}): Promise<Rule[]> {
  return deps.store.read((tx) => rows.listRules(tx, f));
}

export async function getEnforcement(deps: Pick<RuleAdminDeps, 'store'>, id: string): Promise<RuleEnforcement> {
  const e = await deps.store.read((tx) => rows.getEnforcement(tx, id));
  if (!e) throw new SquallError('RULE_ENFORCEMENT_NOT_FOUND', `no rule enforcement with id ${id}`);
  return e;
}

export function listEnforcements(deps: Pick<RuleAdminDeps, 'store'>, f: rows.EnforcementFilter): Promise<RuleEnforcement[]> {
  return deps.store.read((tx) => rows.listEnforcements(tx, f));
}
