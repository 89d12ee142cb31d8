// The events module's public surface: trigger types, triggers, trigger instances, dispatch.
export type { Trigger, TriggerInstance, TriggerInstanceStatus, TriggerType } from './model.js';
export { builtinTriggerTypes, WEBHOOK_TYPE, ACTION_TRIGGER_TYPE, NOTIFY_TRIGGER_TYPE } from './builtin-types.js';
export { createEventDeps, registerBuiltinTriggerTypes, ensureTriggerFor, resolveTrigger, triggerRef, webhookTargets, DEFAULT_DEDUPE_WINDOW_MS, type EventDeps, type ResolvedTrigger } from './triggers.js';
export { dispatchTriggerInstance, reemitTriggerInstance, TRIGGER_INSTANCE_QUEUE, type DispatchRequest, type Dispatched } from './dispatch.js';
export { actionTriggerHook } from './action-trigger.js';
export { kvTriggerHook } from './kv-triggers.js';
export { injectTriggerRunner } from './inject-runner.js';
export { loadPackTriggerTypes } from './pack-triggers.js';
