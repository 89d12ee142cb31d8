// The `timers` role: fires the timer triggers enabled rules use, once per cluster. Each
// timer's next fire time is a row; a node locks the due rows, stores the trigger instances
// and moves next_fire_at forward in one transaction, so no fire time is taken twice (the
// fire time is also the instance's delivery id, a second guard).
//
// After downtime the default is to skip missed fires, as st2 does: a fire found late by
// less than the grace period (30 s: a slow tick, a lease moving to another node) still
// fires once; older ones are dropped and the timer continues at its next future time. A
// trigger with `catch_up: true` in its parameters fires every missed time instead (at most
// MAX_CATCH_UP per tick), each instance stamped with its scheduled time.
import type { Logger } from 'pino';
import { dispatchTriggerInstance, type EventDeps } from '../events/index.js';
import * as rows from '../store/sensors.js';
import { rulesRevision } from '../store/rules.js';
import type { Store, Tx } from '../store/types.js';
import { errorText } from './bus-message.js';
import { nextFire, TIMER_TYPES } from './timer-schedule.js';

export interface TimerDeps {
  store: Store;
  now: () => number;
  log: Logger;
  events: EventDeps;
}

export interface TimerOptions {
  /** Longest sleep between checks (rule changes are seen within it). */
  pollMs: number;
  /** A fire found this late still fires under the skip policy. */
  graceMs: number;
}

export const DEFAULT_TIMER_OPTIONS: TimerOptions = { pollMs: 1_000, graceMs: 30_000 };
const MAX_CATCH_UP = 1_000;

/** Adds rows for timer triggers newly used by enabled rules and drops unused ones. */
export async function syncTimers(tx: Tx, deps: TimerDeps): Promise<void> {
  const now = deps.now();
  const inUse = await rows.timerTriggersInUse(tx, TIMER_TYPES);
  const existing = new Map((await rows.listTimers(tx)).map((t) => [t.trigger_ref, t]));
  for (const t of inUse) {
    if (existing.delete(t.ref)) continue;
    let next: number | null = null;
    try {
      next = nextFire(t.type, t.parameters, now, null);
    } catch (err) {
      deps.log.error({ trigger: t.ref, err: errorText(err) }, 'timer has an invalid schedule; it will not fire');
    }
    await rows.insertTimer(tx, { trigger_ref: t.ref, trigger_type: t.type, parameters: t.parameters, next_fire_at: next, last_fired_at: null }, now);
  }
  for (const ref of existing.keys()) await rows.deleteTimer(tx, ref);
}

/** The fire times due for `timer` at `now` under its misfire policy, and the next one after them. */
export function dueFires(timer: rows.TimerRecord, now: number, graceMs: number): { fires: number[]; next: number | null } {
  const fires: number[] = [];
  let t: number | null = timer.next_fire_at;
  const catchUp = timer.parameters.catch_up === true;
  let last: number | null = null;
  while (t !== null && t <= now && fires.length < MAX_CATCH_UP) {
    if (catchUp || now - t <= graceMs) fires.push(t);
    last = t;
    t = nextFire(timer.trigger_type, timer.parameters, t, t);
  }
  if (!catchUp && fires.length > 1) fires.splice(0, fires.length - 1);
  if (t !== null && t <= now && last !== null && !catchUp) t = nextFire(timer.trigger_type, timer.parameters, now, last);
  return { fires, next: t };
}

/** Fires every due timer once (in one transaction); returns the number of instances stored. */
export async function tickTimers(deps: TimerDeps, opts: TimerOptions = DEFAULT_TIMER_OPTIONS): Promise<number> {
  return deps.store.tx(async (tx) => {
    const now = deps.now();
    let fired = 0;
    for (const timer of await rows.lockDueTimers(tx, now, 100)) {
      let plan: { fires: number[]; next: number | null };
      try {
        plan = dueFires(timer, now, opts.graceMs);
      } catch (err) {
        deps.log.error({ trigger: timer.trigger_ref, err: errorText(err) }, 'timer has an invalid schedule; it will not fire');
        plan = { fires: [], next: null };
      }
      for (const at of plan.fires) {
        const { duplicate } = await dispatchTriggerInstance(tx, deps.events, {
          trigger: timer.trigger_ref,
          payload: { executed_at: new Date(at).toISOString(), schedule: timer.parameters },
          deliveryId: `timer:${at}`,
          occurrenceTime: at,
        });
        if (!duplicate) fired++;
      }
      await rows.saveTimerFire(tx, timer.trigger_ref, plan.next, plan.fires.at(-1) ?? null, now);
    }
    return fired;
  });
}

export interface TimersRole {
  stop(): Promise<void>;
}

/** Starts the `timers` role: sync with the rules when they change, fire what is due. */
export function startTimers(deps: TimerDeps, options: Partial<TimerOptions> = {}): TimersRole {
  const opts = { ...DEFAULT_TIMER_OPTIONS, ...options };
  const log = deps.log.child({ role: 'timers' });
  let stopped = false;
  let revision = -1;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (!stopped) {
      let sleepMs = opts.pollMs;
      try {
        const rev = await deps.store.read(rulesRevision);
        if (rev !== revision) {
          await deps.store.tx((tx) => syncTimers(tx, deps));
          revision = rev;
        }
        await tickTimers(deps, opts);
        const due = await deps.store.read(rows.nextTimerDue);
        if (due !== null) sleepMs = Math.max(0, Math.min(sleepMs, due - deps.now()));
      } catch (err) {
        log.error({ err: errorText(err) }, 'timer tick failed');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, sleepMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  })();
  return {
    async stop() {
      stopped = true;
      (wake as (() => void) | null)?.();
      await loop;
    },
  };
}
