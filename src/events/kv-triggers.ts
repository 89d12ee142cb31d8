// core.st2.key_value_pair.* trigger instances for datastore changes, dispatched in the
// transaction of the change (the datastore's onChange hook). Secrets stay encrypted.
import type { KvChange } from '../datastore/service.js';
import type { Tx } from '../store/types.js';
import { dispatchTriggerInstance } from './dispatch.js';
import type { EventDeps } from './triggers.js';

export function kvTriggerHook(events: EventDeps) {
  return async (tx: Tx, change: KvChange): Promise<void> => {
    const payload = change.kind === 'value_change'
      ? { old_object: change.old ?? null, new_object: change.pair }
      : { object: change.pair };
    await dispatchTriggerInstance(tx, events, { trigger: `core.st2.key_value_pair.${change.kind}`, payload: payload as Record<string, unknown> });
  };
}
