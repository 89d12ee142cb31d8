// The timers role against both stores: with a fake clock, timer triggers used by rules fire
// on time, once per cluster (two nodes ticking at once), skip or catch up after downtime;
// then one real short interval through a running server fires a rule.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { createEventDeps, injectTriggerRunner, registerBuiltinTriggerTypes } from '../src/events/index.js';
import { actionPolicies, createPackDeps, findAction, packDirectory, registerPack } from '../src/packs/index.js';
import { createInquiryService } from '../src/inquiries/service.js';
import { packageRoot } from '../src/paths.js';
import { createRule, setRuleEnabled } from '../src/rules/service.js';
import { builtinRunners } from '../src/runners/index.js';
import { pythonRunner } from '../src/runners/python.js';
import { syncTimers, tickTimers, type TimerDeps } from '../src/sensors/timers.js';
import { listInstances } from '../src/store/events.js';
import { listTimers } from '../src/store/sensors.js';
import type { Store } from '../src/store/types.js';
import { describeBackends } from './helpers/backends.js';
import { describeServer, until } from './helpers/server.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

async function setup(store: Store) {
  const clock = { t: T0 };
  const now = () => clock.t;
  const events = createEventDeps(now);
  await store.tx((tx) => registerBuiltinTriggerTypes(tx, now()));
  const runners = builtinRunners();
  runners.set('inject-trigger', injectTriggerRunner(store, events));
  // The core pack names every runner a node has (core.ask: inquirer; core.pause: python-script).
  runners.set('python-script', pythonRunner({}, join(tmpdir(), 'squall-timers-venvs')));
  const executions = { store, now, log: pino({ level: 'silent' }), node: 'test', runners, findAction, packDir: packDirectory, policies: actionPolicies, onFinished: [], onChildStatus: [], controls: new Map() };
  runners.set('inquirer', createInquiryService(executions, events).runner);
  await registerPack(createPackDeps(store, now, runners), join(packageRoot(), 'packs', 'core'));
  const admin = { store, now, events, executions };
  const deps: TimerDeps = { store, now, log: pino({ level: 'silent' }), events };
  const rule = (name: string, type: string, parameters: Record<string, unknown>) =>
    createRule(admin, { name, pack: 'timers', trigger: { type, parameters }, action: { ref: 'core.noop' } }, { user: 'test' });
  const fired = async (trigger: string) => (await store.read((tx) => listInstances(tx, { trigger, limit: 1000, ascending: true })));
  return { clock, deps, admin, rule, fired };
}

describeBackends('timers role', ({ open }) => {
  it('fires an IntervalTimer on time, once per cluster, and skips missed fires after downtime', async () => {
    const { clock, deps, rule, fired } = await setup(await open());
    const r = await rule('every5', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 5 });
    await deps.store.tx((tx) => syncTimers(tx, deps));
    clock.t += 4_999;
    expect(await tickTimers(deps)).toBe(0);
    clock.t += 1;
    // Two nodes tick at the same moment: the fire time is taken once.
    const [a, b] = await Promise.all([tickTimers(deps), tickTimers({ ...deps })]);
    expect(a + b).toBe(1);
    expect(await tickTimers(deps)).toBe(0);
    let list = await fired(r.trigger_ref);
    expect(list.map((i) => i.occurrence_time)).toEqual([T0 + 5_000]);
    expect(list[0]!.payload).toEqual({ executed_at: new Date(T0 + 5_000).toISOString(), schedule: { unit: 'seconds', delta: 5 } });
    // Down for a minute: the twelve missed fires coalesce into one (the latest), then on cadence.
    clock.t += 61_000;
    expect(await tickTimers(deps)).toBe(1);
    clock.t = T0 + 70_000;
    expect(await tickTimers(deps)).toBe(1);
    list = await fired(r.trigger_ref);
    expect(list.map((i) => i.occurrence_time - T0)).toEqual([5_000, 65_000, 70_000]);
  });

  it('catches up every missed fire when the trigger says catch_up: true', async () => {
    const { clock, deps, rule, fired } = await setup(await open());
    const r = await rule('every10', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 10, catch_up: true });
    await deps.store.tx((tx) => syncTimers(tx, deps));
    clock.t += 45_000;
    expect(await tickTimers(deps)).toBe(4);
    expect((await fired(r.trigger_ref)).map((i) => i.occurrence_time - T0)).toEqual([10_000, 20_000, 30_000, 40_000]);
  });

  it('fires a DateTimer once and a CronTimer on its schedule; a disabled rule stops its timer', async () => {
    const { clock, deps, admin, rule, fired } = await setup(await open());
    const once = await rule('once', 'core.st2.DateTimer', { date: '2026-01-01 01:00:30', timezone: 'Europe/Paris' });
    const cron = await rule('tens', 'core.st2.CronTimer', { second: '*/10' });
    await deps.store.tx((tx) => syncTimers(tx, deps));
    for (let s = 1; s <= 40; s++) {
      clock.t = T0 + s * 1_000;
      await tickTimers(deps);
    }
    // 01:00:30 in Paris is 00:00:30 UTC.
    expect((await fired(once.trigger_ref)).map((i) => i.occurrence_time - T0)).toEqual([30_000]);
    expect((await fired(cron.trigger_ref)).map((i) => i.occurrence_time - T0)).toEqual([10_000, 20_000, 30_000, 40_000]);
    await setRuleEnabled(admin, cron.ref, false, { user: 'test' });
    await deps.store.tx((tx) => syncTimers(tx, deps));
    expect((await deps.store.read(listTimers)).map((t) => t.trigger_ref)).toEqual([once.trigger_ref]);
    clock.t = T0 + 60_000;
    expect(await tickTimers(deps)).toBe(0);
  });
});

describeServer('timers on a running server', (server) => {
  it('a rule on a 1-second IntervalTimer runs its action every second', async () => {
    const created = await server().call<{ ref: string; trigger_ref?: string }>('POST', '/rules', {
      name: 'tick', pack: 'timers', trigger: { type: 'core.st2.IntervalTimer', parameters: { unit: 'seconds', delta: 1 } },
      action: { ref: 'core.noop' },
    });
    expect(created.status).toBe(201);
    const enforcements = await until(async () => {
      const list = (await server().call<Array<{ execution_id: string | null }>>('GET', '/ruleenforcements?rule=timers.tick')).body;
      return list.filter((e) => e.execution_id).length >= 2 && list;
    }, 15_000, 'two timer-fired executions');
    expect(enforcements.length).toBeGreaterThanOrEqual(2);
    const instances = (await server().call<Array<{ occurrence_time: string }>>('GET', '/triggerinstances?trigger_type=core.st2.IntervalTimer')).body;
    const times = instances.map((i) => Date.parse(i.occurrence_time)).sort();
    // One a second, on the cadence.
    expect(times[1]! - times[0]!).toBe(1_000);
  });
});
