// The one way an event enters Squall. Webhooks, core.inject_trigger, the action-trigger,
// sensors, timers and message-bus sources all call dispatchTriggerInstance.
import { SquallError } from '../errors.js';
import { newId } from '../store/ids.js';
import { enqueue } from '../store/queue.js';
import * as rows from '../store/events.js';
import type { Tx } from '../store/types.js';
import type { TriggerInstance } from './model.js';
import { ensureTriggerFor, resolveTrigger, schemaProblem, type EventDeps, type ResolvedTrigger } from './triggers.js';

/** The queue the rules engine consumes: one job per trigger instance, claimed once per cluster. */
export const TRIGGER_INSTANCE_QUEUE = 'trigger-instances';

export interface DispatchRequest {
  /** A trigger ref, a parameterless trigger type ref, or a type with parameters. */
  trigger: string | { type: string; parameters?: Record<string, unknown> };
  /** The trigger and its type as the caller already read them (a webhook's targets): not looked up again. */
  resolved?: ResolvedTrigger;
  payload: Record<string, unknown>;
  /**
   * The sender's id for this event (Idempotency-Key, X-GitHub-Delivery, a broker message
   * id). Within the dedupe window a second event with the same id for the same trigger is
   * not stored again: the first instance is returned and nothing fires twice.
   */
  deliveryId?: string | null;
  traceTag?: string | null;
  /** When the event happened (epoch ms); default now. */
  occurrenceTime?: number;
}

export interface Dispatched {
  instance: TriggerInstance;
  /** True when deliveryId was already seen: `instance` is the first one, and nothing was queued. */
  duplicate: boolean;
}

/**
 * Stores a trigger instance and queues it for the rules engine, in the caller's
 * transaction: once it commits the event is durable and will be matched exactly once.
 * Throws TRIGGER_NOT_FOUND for an unknown trigger and TRIGGER_PAYLOAD_INVALID for a
 * payload that does not fit the type's payload_schema (nothing is stored then).
 */
export async function dispatchTriggerInstance(tx: Tx, deps: EventDeps, req: DispatchRequest): Promise<Dispatched> {
  const { trigger, type } = req.resolved ?? (typeof req.trigger === 'string'
    ? await resolveTrigger(tx, deps, req.trigger)
    : await ensureTriggerFor(tx, deps, req.trigger.type, req.trigger.parameters ?? {}));
  const problem = schemaProblem(deps, type, 'payload', req.payload);
  if (problem) throw new SquallError('TRIGGER_PAYLOAD_INVALID', `payload for ${trigger.ref}: ${problem}`, { field: 'payload' });
  const now = deps.now();
  const queued = deps.hasRules ? await deps.hasRules(tx, trigger.ref) : true;
  const instance: TriggerInstance = {
    id: newId(now),
    trigger: trigger.ref,
    trigger_type: type.ref,
    payload: req.payload,
    occurrence_time: req.occurrenceTime ?? now,
    status: queued ? 'pending' : 'processed',
    delivery_id: req.deliveryId ?? null,
    trace_tag: req.traceTag ?? null,
  };
  if (req.deliveryId) {
    const first = await rows.claimDelivery(tx, `${trigger.ref}\n${req.deliveryId}`, instance.id, now + deps.dedupeWindowMs, now);
    if (first !== null) {
      // The first instance may have been purged since; its id is still the answer.
      return { instance: (await rows.getInstance(tx, first)) ?? { ...instance, id: first }, duplicate: true };
    }
  }
  await rows.insertInstance(tx, instance, now);
  if (queued) await enqueue(tx, { queue: TRIGGER_INSTANCE_QUEUE, ref: instance.id, payload: { id: instance.id }, runAt: now }, now, deps.localConsumers?.get(TRIGGER_INSTANCE_QUEUE));
  return { instance, duplicate: false };
}

/** Stores a copy of a past instance as a new one (st2 `trigger-instance re-emit`). */
export async function reemitTriggerInstance(tx: Tx, deps: EventDeps, id: string): Promise<TriggerInstance> {
  const original = await rows.getInstance(tx, id);
  if (!original) throw new SquallError('TRIGGER_INSTANCE_NOT_FOUND', `no trigger instance with id ${id}`);
  const { instance } = await dispatchTriggerInstance(tx, deps, {
    trigger: original.trigger,
    payload: original.payload,
    traceTag: original.trace_tag,
  });
  return instance;
}
