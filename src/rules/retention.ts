// Retention for the event side (st2's garbage collector for trigger instances and rule
// enforcements): purged now on request, or hourly past the configured age. Instances the
// rules engine has not decided yet are never purged.
import { purgeInBatches, startPeriodicPurge } from '../executions/retention.js';
import { purgeInstances } from '../store/events.js';
import { purgeEnforcements } from '../store/rules.js';
import type { RulesDeps } from './engine.js';

type Deps = Pick<RulesDeps, 'store' | 'now' | 'log'>;

/** Deletes decided trigger instances that occurred before `before` (epoch ms); returns how many. */
export function purgeTriggerInstances(deps: Pick<Deps, 'store'>, before: number): Promise<number> {
  return purgeInBatches(deps.store, (tx, batch) => purgeInstances(tx, before, batch));
}

/** Deletes rule enforcements made before `before` (epoch ms); returns how many. */
export function purgeRuleEnforcements(deps: Pick<Deps, 'store'>, before: number): Promise<number> {
  return purgeInBatches(deps.store, (tx, batch) => purgeEnforcements(tx, before, batch));
}

/** Purges both hourly past `days` (0 = keep everything). */
export function startEventRetention(deps: Deps, days: number): { stop(): void } {
  const instances = startPeriodicPurge(deps, days, 'trigger instances', (before) => purgeTriggerInstances(deps, before));
  const enforcements = startPeriodicPurge(deps, days, 'rule enforcements', (before) => purgeRuleEnforcements(deps, before));
  return {
    stop() {
      instances.stop();
      enforcements.stop();
    },
  };
}
