// The matcher: enabled rules indexed by the trigger they listen to, so an event is only
// ever compared with the rules of its own trigger, whatever else is registered.
import type { Rule } from './model.js';
import { compileRule, type CompiledRule } from './definition.js';
import { evalGroup, firstFailure, type EvalContext, type Trace } from './criteria.js';
import { candidateSlots, fileRules, type TriggerRules } from './discriminator.js';
import { beginEvent, planPasses } from './plan.js';

export interface RuleIndex {
  /** The rules revision this index was built from. */
  revision: number;
  byTrigger: ReadonlyMap<string, TriggerRules>;
  size: number;
}

export function buildIndex(rules: readonly Rule[], revision: number): RuleIndex {
  const grouped = new Map<string, Rule[]>();
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const list = grouped.get(rule.trigger_ref) ?? [];
    list.push(rule);
    grouped.set(rule.trigger_ref, list);
  }
  // Compiled one trigger at a time, so the closures an event walks through were allocated
  // together (better locality once there are thousands of rules).
  const byTrigger = new Map([...grouped].map(([ref, list]) => [ref, fileRules(list.map(compileRule))] as const));
  return { revision, byTrigger, size: rules.length };
}

const NONE: TriggerRules = fileRules([]);

/** The enabled rules on `triggerRef`, filed by their discriminating criteria. */
export function rulesFor(index: RuleIndex, triggerRef: string): TriggerRules {
  return index.byTrigger.get(triggerRef) ?? NONE;
}

function isEmpty(payload: Record<string, unknown> | null | undefined): boolean {
  if (!payload) return true;
  for (const _ in payload) return false;
  return Object.keys(payload).length === 0;
}

/** st2: a rule with criteria never matches an empty payload. */
function emptyPayloadBlocks(cr: CompiledRule, payload: Record<string, unknown>): boolean {
  return cr.criteria.items.length > 0 && isEmpty(payload);
}

/** Whether the rule's criteria pass for `payload` (fast path: short-circuits, no trace). */
export function criteriaPass(cr: CompiledRule, payload: Record<string, unknown>, ctx: EvalContext): boolean {
  if (emptyPayloadBlocks(cr, payload)) return false;
  return cr.passes({ trigger: payload }, ctx);
}

/** Every criterion's outcome, and the first failure as one line. */
export function explainCriteria(cr: CompiledRule, payload: Record<string, unknown>, ctx: EvalContext): { passed: boolean; trace: Trace[]; reason: string | null } {
  const trace: Trace[] = [];
  const passed = evalGroup(cr.criteria, { trigger: payload }, ctx, trace) && !emptyPayloadBlocks(cr, payload);
  const top = trace[0]?.items ?? [];
  if (passed) return { passed, trace: top, reason: null };
  const reason = emptyPayloadBlocks(cr, payload) ? 'the payload is empty and the rule has criteria' : firstFailure(top);
  return { passed, trace: top, reason };
}

/**
 * The rules on the instance's trigger whose criteria pass (the matcher alone; windows
 * aside). One `ctx` for all of them, so criteria shared between rules are decided once.
 */
export function matchPayload(index: RuleIndex, triggerRef: string, payload: Record<string, unknown>, ctx: EvalContext): CompiledRule[] {
  const out: CompiledRule[] = [];
  const roots = { trigger: payload };
  const empty = isEmpty(payload);
  const rules = rulesFor(index, triggerRef);
  const slots = candidateSlots(rules, payload);
  beginEvent(rules.plan);
  const { plan } = rules;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    // st2: a rule with criteria never matches an empty payload (the rule itself is only read when it matches).
    if (empty && plan.start[slot + 1]! > plan.start[slot]!) continue;
    if (planPasses(plan, slot, roots, ctx)) out.push(rules.all[slot]!);
  }
  return out;
}
