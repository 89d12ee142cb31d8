// The inject-trigger runner behind core.inject_trigger (st2's action of that name):
// stores a trigger instance with the given payload, which rules then match as usual.
import type { Runner } from '../runners/types.js';
import type { Store } from '../store/types.js';
import { dispatchTriggerInstance } from './dispatch.js';
import type { EventDeps } from './triggers.js';
import { SquallError } from '../errors.js';

export function injectTriggerRunner(store: Store, events: EventDeps): Runner {
  return {
    name: 'inject-trigger',
    description: 'Injects a trigger instance (core.inject_trigger).',
    parameters: {},
    async run(ctx) {
      const p = ctx.parameters as { trigger: string; payload?: Record<string, unknown>; trace_tag?: string };
      try {
        const { instance } = await store.tx((tx) => dispatchTriggerInstance(tx, events, {
          trigger: p.trigger, payload: p.payload ?? {}, traceTag: p.trace_tag ?? null,
        }));
        return { status: 'succeeded', result: { trigger_instance: { id: instance.id, trigger: instance.trigger, payload: instance.payload } } };
      } catch (err) {
        if (!(err instanceof SquallError)) throw err;
        return { status: 'failed', result: { error: err.message, code: err.code } };
      }
    },
  };
}
