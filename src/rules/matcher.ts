// The matcher: enabled rules indexed by the trigger they listen to, so an event is only
// ever compared with the rules of its own trigger, whatever else is registered.
import type { Rule } from './model.js';
import { compileRule, type CompiledRule } from './definition.js';
import { evalGroup, firstFailure, type EvalContext, type Trace } from './criteria.js';
import { filedUnder, fileRules, type TriggerRules } from './discriminator.js';
import { beginEvent, endEvent, rulePasses, type Plan } from './plan.js';

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

/** Every criterion's outcome, and the first failure as one line. */
export function explainCriteria(cr: CompiledRule, payload: Record<string, unknown>, ctx: EvalContext): { passed: boolean; trace: Trace[]; reason: string | null } {
  const trace: Trace[] = [];
  const passed = evalGroup(cr.criteria, { trigger: payload }, ctx, trace) && !emptyPayloadBlocks(cr, payload);
  const top = trace[0]?.items ?? [];
  if (passed) return { passed, trace: top, reason: null };
  const reason = emptyPayloadBlocks(cr, payload) ? 'the payload is empty and the rule has criteria' : firstFailure(top);
  return { passed, trace: top, reason };
}

function decideSlots(plan: Plan, slots: Int32Array, all: readonly CompiledRule[], out: CompiledRule[]): void {
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    if (rulePasses(plan, slot)) out.push(all[slot]!);
  }
}

/**
 * The rules on the instance's trigger whose criteria pass (the matcher alone; windows
 * aside): the open rules, then those filed under the payload's values. One `ctx` for all
 * of them, so criteria shared between rules are decided once.
 */
export function matchPayload(index: RuleIndex, triggerRef: string, payload: Record<string, unknown>, ctx: EvalContext): CompiledRule[] {
  const rules = rulesFor(index, triggerRef);
  const { plan, all, openSlots } = rules;
  const out: CompiledRule[] = [];
  if (isEmpty(payload)) {
    // st2: a rule with criteria never matches an empty payload (filed rules all have criteria).
    for (let i = 0; i < openSlots.length; i++) {
      const slot = openSlots[i]!;
      if (plan.start[slot + 1] === plan.start[slot]) out.push(all[slot]!);
    }
    return out;
  }
  beginEvent(plan, payload, ctx);
  decideSlots(plan, openSlots, all, out);
  for (let c = 0; c < rules.columns.length; c++) {
    const filed = filedUnder(rules.columns[c]!, payload);
    if (filed) decideSlots(plan, filed, all, out);
  }
  endEvent(plan);
  return out;
}
