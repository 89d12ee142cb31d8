// `squall rule test` and `squall rule replay`: decide a rule against one payload or the
// stored trigger instances without firing anything or touching window state.
import { SquallError } from '../errors.js';
import { requireTriggerType, triggerRef } from '../events/triggers.js';
import * as eventRows from '../store/events.js';
import type { Tx } from '../store/types.js';
import type { Trace } from './criteria.js';
import { compileRule, type CompiledRule } from './definition.js';
import { evalContext, renderParameters, withRuleEnv, type RulesDeps } from './engine.js';
import { explainCriteria } from './matcher.js';
import { parameterMask, type MaskDeps, type ParameterMask } from '../executions/masking.js';
import type { Rule, RuleSpec } from './model.js';
import { groupKey, stepWindow, type WindowState } from './window.js';

export interface RuleTestResult {
  rule: string;
  trigger_type: string;
  matched: boolean;
  /** Criteria passed, and the window (evaluated as if this were the only event) would fire. */
  would_fire: boolean;
  criteria: Trace[];
  reason: string | null;
  window?: { group: string; value: number | null; reason: string };
  action: string;
  parameters?: Record<string, unknown>;
  parameters_error?: string;
}

/** A stored rule, or an unsaved spec made into a rule (its trigger ref computed, nothing stored). */
export async function ruleForTest(tx: Tx, spec: RuleSpec | Rule): Promise<Rule> {
  if ('ref' in spec && 'trigger_ref' in spec) return spec;
  const type = await requireTriggerType(tx, spec.trigger.type);
  return {
    ...spec, id: '000000000000000000000000', ref: `${spec.pack}.${spec.name}`,
    trigger_ref: triggerRef(type, spec.trigger.parameters), source_file: null, created_at: 0, updated_at: 0,
  };
}

type DryDeps = Pick<RulesDeps, 'kv' | 'now' | 'store'> & { executions: MaskDeps };

/** The rendered parameters are shown as the execution API would show them (secrets masked). */
function maskFor(deps: DryDeps, rule: Rule): Promise<ParameterMask> {
  return deps.store.read((tx) => parameterMask(tx, deps.executions, [rule.action.ref]));
}

function decideDry(deps: Pick<RulesDeps, 'kv'>, cr: CompiledRule, payload: Record<string, unknown>, t: number, now: number, state: WindowState | null, mask: ParameterMask) {
  return withRuleEnv(deps, null, cr, (env) => {
    const { passed, trace, reason } = explainCriteria(cr, payload, evalContext(now, env));
    const out: RuleTestResult = {
      rule: cr.rule.ref, trigger_type: cr.rule.trigger.type, matched: passed, would_fire: passed, criteria: trace, reason, action: cr.rule.action.ref,
    };
    let next = state;
    if (passed && cr.window) {
      const step = stepWindow(cr.window, state ?? { events: [], cooldownUntil: 0 }, t, payload, cr.cooldownMs);
      next = step.state;
      out.window = { group: groupKey(cr.window, payload), value: step.value, reason: step.reason };
      out.would_fire = step.fire;
    }
    if (passed) {
      try {
        out.parameters = mask(cr.rule.action.ref, renderParameters(cr, payload, env));
      } catch (err) {
        out.parameters_error = (err as Error).message;
        out.would_fire = false;
      }
    }
    return { out, next };
  });
}

/** Decides `rule` for one payload (or a stored instance's payload). */
export async function testRule(deps: DryDeps, rule: Rule, input: { payload?: Record<string, unknown>; triggerInstanceId?: string }): Promise<RuleTestResult> {
  let payload = input.payload;
  let t = deps.now();
  if (input.triggerInstanceId) {
    const inst = await deps.store.read((tx) => eventRows.getInstance(tx, input.triggerInstanceId!));
    if (!inst) throw new SquallError('TRIGGER_INSTANCE_NOT_FOUND', `no trigger instance with id ${input.triggerInstanceId}`);
    payload = inst.payload;
    t = inst.occurrence_time;
  }
  if (!payload) throw new SquallError('BAD_REQUEST', 'give a payload or a trigger instance id');
  return (await decideDry(deps, compileRule(rule), payload, t, deps.now(), null, await maskFor(deps, rule))).out;
}

export interface ReplayResult {
  rule: string;
  trigger: string;
  since: number;
  until: number;
  evaluated: number;
  matched: number;
  would_fire: Array<{ trigger_instance_id: string; occurrence_time: string; parameters?: Record<string, unknown>; parameters_error?: string }>;
  /** True when more instances existed than `limit`. */
  truncated: boolean;
}

/** Evaluates `rule` over the stored instances of its trigger in [since, until], oldest first, with windows simulated. */
export async function replayRule(deps: DryDeps, rule: Rule, range: { since: number; until?: number; limit: number }): Promise<ReplayResult> {
  const until = range.until ?? deps.now();
  const instances = await deps.store.read((tx) => eventRows.listInstances(tx, {
    trigger: rule.trigger_ref, since: range.since, until, limit: range.limit + 1, ascending: true,
  }));
  const truncated = instances.length > range.limit;
  const cr = compileRule(rule);
  const mask = await maskFor(deps, rule);
  const windows = new Map<string, WindowState>();
  const result: ReplayResult = { rule: rule.ref, trigger: rule.trigger_ref, since: range.since, until, evaluated: 0, matched: 0, would_fire: [], truncated };
  for (const inst of instances.slice(0, range.limit)) {
    const group = cr.window ? groupKey(cr.window, inst.payload) : '';
    const { out, next } = await decideDry(deps, cr, inst.payload, inst.occurrence_time, inst.occurrence_time, windows.get(group) ?? null, mask);
    if (next) windows.set(group, next);
    result.evaluated++;
    if (out.matched) result.matched++;
    if (out.would_fire || (out.matched && out.parameters_error)) {
      result.would_fire.push({
        trigger_instance_id: inst.id, occurrence_time: new Date(inst.occurrence_time).toISOString(),
        ...(out.parameters ? { parameters: out.parameters } : {}), ...(out.parameters_error ? { parameters_error: out.parameters_error } : {}),
      });
    }
  }
  return result;
}
