// The rules engine's decision for one trigger instance, in one transaction: every
// enabled rule on its trigger gets a rule enforcement (succeeded, failed, no_match or
// suppressed), matching rules request their action through the executions module, and
// the instance is marked processed. Committed together, so a retried job (its node died
// before completing it) finds the instance processed and fires nothing twice.
import type { Logger } from 'pino';
import type { KvReader } from '../datastore/template.js';
import { renderValue, type EvalEnv } from '../expr/index.js';
import type { EventDeps } from '../events/triggers.js';
import type { TriggerInstance } from '../events/model.js';
import type { ExecutionDeps } from '../executions/deps.js';
import type { Execution } from '../executions/model.js';
import { prepareRequest, storeRequest } from '../executions/service.js';
import { parameterMask } from '../executions/masking.js';
import { audit } from '../auth/audit.js';
import { SquallError } from '../errors.js';
import * as eventRows from '../store/events.js';
import { newId } from '../store/ids.js';
import * as ruleRows from '../store/rules.js';
import type { Store, Tx } from '../store/types.js';
import type { CompiledRule } from './definition.js';
import { buildIndex, explainCriteria, matchPayload, rulesFor, type RuleIndex } from './matcher.js';
import type { Rule, RuleEnforcement } from './model.js';
import { groupKey, stepWindow } from './window.js';
import type { TriggerRules } from './discriminator.js';
import { leafPassesOn, type EvalContext } from './criteria.js';
import { lookup } from './payload-path.js';
import { shown } from '../packs/problems.js';

export interface RulesDeps {
  store: Store;
  now: () => number;
  log: Logger;
  events: EventDeps;
  executions: ExecutionDeps;
  /** st2kv in rule templates, read as the rule's owner; absent, st2kv fails in rule templates. */
  kv?: KvReader;
  /** This node's rule index, rebuilt whenever the stored rules revision moves. */
  cache: { index: RuleIndex | null };
  /**
   * Whether the rule's owner (context.user; null for pack rules) may run the action: rules
   * act with their owner's permissions (RBAC action:execute). Absent, every rule may.
   */
  mayExecute?: (user: string | null, actionRef: string, tx?: Tx) => Promise<boolean>;
}

/** The index for the rules as committed now (one primary-key read when nothing changed). */
export async function currentIndex(tx: Tx, deps: Pick<RulesDeps, 'cache' | 'log'>): Promise<RuleIndex> {
  const revision = await ruleRows.rulesRevision(tx);
  if (deps.cache.index?.revision === revision) return deps.cache.index;
  const index = buildIndex(await ruleRows.listEnabledRules(tx), revision);
  deps.cache.index = index;
  return index;
}

/** Who the rule acts as: its owner (context.user), or null (the system) for pack rules. */
export function ruleOwner(rule: Rule): string | null {
  return typeof rule.context?.user === 'string' ? rule.context.user : null;
}

/** Evaluates `fn` in the rule's environment: st2kv reads the datastore as the rule's owner. */
export async function withRuleEnv<T>(deps: Pick<RulesDeps, 'kv'>, tx: Tx | null, cr: CompiledRule, fn: (env: EvalEnv) => T): Promise<T> {
  if (cr.kvNames === null || !deps.kv) return fn({});
  return deps.kv(tx, ruleOwner(cr.rule), cr.kvNames, (kv) => fn({ kv }));
}

export function evalContext(now: number, env: EvalEnv): EvalContext {
  return { now, render: (pattern, data) => renderValue(pattern, data, env) };
}

/** Renders the action parameters over `trigger` (and st2kv), as st2 does. */
export function renderParameters(cr: CompiledRule, payload: Record<string, unknown>, env: EvalEnv): Record<string, unknown> {
  return renderValue(cr.rule.action.parameters, { trigger: payload }, env) as Record<string, unknown>;
}

type Decision = Pick<RuleEnforcement, 'status' | 'execution_id' | 'failure_reason' | 'details'>;

async function enforce(tx: Tx, deps: RulesDeps, cr: CompiledRule, inst: TriggerInstance, details: Record<string, unknown>): Promise<Decision> {
  const rule = cr.rule;
  let parameters: Record<string, unknown>;
  try {
    parameters = await withRuleEnv(deps, tx, cr, (env) => renderParameters(cr, inst.payload, env));
  } catch (err) {
    return { status: 'failed', execution_id: null, failure_reason: `rendering action parameters failed: ${(err as Error).message}`, details };
  }
  const owner = ruleOwner(rule);
  if (deps.mayExecute && !(await deps.mayExecute(owner, rule.action.ref, tx))) {
    return { status: 'failed', execution_id: null, failure_reason: `FORBIDDEN: rule owner ${owner} lacks permission action:execute on ${rule.action.ref}`, details };
  }
  // The enforcement shows the parameters as the execution API does: no secret is stored in it.
  const recorded = { ...details, parameters: (await parameterMask(tx, deps.executions, [rule.action.ref]))(rule.action.ref, parameters) };
  // A request that fails does so before writing anything (prepareRequest), so recording the
  // failure undoes nothing of the other rules' enforcements and needs no savepoint.
  let execution: Execution;
  try {
    execution = await prepareRequest(tx, deps.executions, {
      action: rule.action.ref,
      rendered: parameters,
      context: {
        source: 'rule',
        user: owner ?? undefined,
        rule: { id: rule.id, ref: rule.ref, name: rule.name },
        trigger_instance: { id: inst.id, name: inst.trigger },
        ...(inst.trace_tag ? { trace_tag: inst.trace_tag } : {}),
      },
    });
  } catch (err) {
    if (!(err instanceof SquallError)) throw err;
    return { status: 'failed', execution_id: null, failure_reason: `${err.code}: ${err.message}`, details: recorded };
  }
  await storeRequest(tx, deps.executions, execution);
  await audit(tx, {
    actor: { user: owner ?? 'system', address: `rule:${rule.ref}` }, ts: deps.now(), action: 'execution.request',
    resourceType: 'execution', resourceRef: execution.id, details: { action: rule.action.ref, rule: rule.ref, trigger_instance: inst.id },
  });
  return { status: 'succeeded', execution_id: execution.id, failure_reason: null, details: recorded };
}

const noMatch = (reason: string | null): Decision => ({ status: 'no_match', execution_id: null, failure_reason: reason ?? 'criteria did not pass', details: {} });

/**
 * Whether the rule's criteria pass, as a decision when they do not. The matcher decided
 * every rule with one context and no datastore; a rule whose criteria read st2kv is
 * decided again with its owner's view of the datastore.
 */
async function criteriaDecision(tx: Tx, deps: RulesDeps, rules: TriggerRules, cr: CompiledRule, inst: TriggerInstance, matched: boolean, ctx: EvalContext): Promise<Decision | null> {
  if (cr.criteriaReadKv) {
    const own = await withRuleEnv(deps, tx, cr, (env) => explainCriteria(cr, inst.payload, evalContext(deps.now(), env)));
    return own.passed ? null : noMatch(own.reason);
  }
  if (matched) return null;
  // A filed criterion that fails is the reason (the discriminator skipped the rule for it).
  const leaf = rules.filedBy.get(cr);
  const value = leaf ? lookup(inst.payload, leaf.path) : undefined;
  if (leaf && !leafPassesOn(leaf, value, { trigger: inst.payload }, ctx)) return noMatch(`${leaf.key} ${leaf.type} ${shown(leaf.pattern)} failed (value ${shown(value ?? null)})`);
  return noMatch(explainCriteria(cr, inst.payload, ctx).reason);
}

/** A rule whose criteria passed: its window (if any) decides whether it fires. */
async function fireRule(tx: Tx, deps: RulesDeps, cr: CompiledRule, inst: TriggerInstance): Promise<Decision> {
  if (!cr.window) return enforce(tx, deps, cr, inst, {});
  const group = groupKey(cr.window, inst.payload);
  const state = await ruleRows.lockWindow(tx, cr.rule.ref, group, deps.now());
  const step = stepWindow(cr.window, state, inst.occurrence_time, inst.payload, cr.cooldownMs);
  await ruleRows.saveWindow(tx, cr.rule.ref, group, step.state, deps.now());
  const details = { window: { group, value: step.value, reason: step.reason } };
  if (!step.fire) return { status: 'suppressed', execution_id: null, failure_reason: step.reason, details };
  return enforce(tx, deps, cr, inst, details);
}

/** Decides every enabled rule on the instance's trigger and records each decision. Idempotent. */
export async function processTriggerInstance(tx: Tx, deps: RulesDeps, id: string): Promise<RuleEnforcement[]> {
  const inst = await eventRows.getInstance(tx, id);
  if (!inst || inst.status === 'processed' || inst.status === 'processing_failed') return [];
  const index = await currentIndex(tx, deps);
  const out: RuleEnforcement[] = [];
  const rules = rulesFor(index, inst.trigger);
  const ctx = evalContext(deps.now(), {});
  const matched = new Set(matchPayload(index, inst.trigger, inst.payload, ctx));
  for (const cr of rules.all) {
    let decision: Decision;
    try {
      decision = (await criteriaDecision(tx, deps, rules, cr, inst, matched.has(cr), ctx)) ?? (await fireRule(tx, deps, cr, inst));
    } catch (err) {
      if (!(err instanceof SquallError)) throw err;
      decision = { status: 'failed', execution_id: null, failure_reason: `${err.code}: ${err.message}`, details: {} };
    }
    const now = deps.now();
    out.push({ id: newId(now), rule_ref: cr.rule.ref, rule_id: cr.rule.id, trigger_instance_id: inst.id, ...decision, enforced_at: now });
  }
  // Every decision in one statement (per 100), in the same transaction as the requests they made.
  await ruleRows.insertEnforcements(tx, out);
  await eventRows.setInstanceStatus(tx, inst.id, 'processed');
  return out;
}
