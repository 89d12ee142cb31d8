// The sensor container end to end: a real server with the sensortest pack, each sensor in
// its own child process. A crashing sensor is restarted with backoff and shows it in
// `squall sensor list`; a polling sensor uses the datastore; a passive sensor's triggers
// fire a rule that runs an action.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, until, type TestServer } from './helpers/server.js';

const pack = join(import.meta.dirname, 'fixtures', 'packs', 'sensortest');
const cli = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');

type Sensor = { ref: string; state: string; restarts: number; last_error: string | null; enabled: boolean; node: string | null; pid: number | null };

describe('sensor container', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite', { packs: [pack] });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const sensor = async (ref: string) => (await server.call<Sensor>('GET', `/sensortypes/${ref}`)).body;
  const squall = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, SQUALL_HOME: server.home }, timeout: 30_000 });
    return stdout;
  };

  it('lists the pack sensors with st2 fields', async () => {
    const { status, body } = await server.call<Array<Record<string, unknown>>>('GET', '/sensortypes?pack=sensortest');
    expect(status).toBe(200);
    expect(body.map((s) => s.ref)).toEqual(['sensortest.Crasher', 'sensortest.Poller', 'sensortest.Watcher']);
    const poller = body.find((s) => s.ref === 'sensortest.Poller')!;
    expect(poller).toMatchObject({ class_name: 'Poller', entry_point: 'poller.mjs', poll_interval: 0.2, trigger_types: ['sensortest.tick'], enabled: true });
    expect((await server.call('GET', '/sensortypes/sensortest.Nope')).status).toBe(404);
  });

  it('restarts a crashing sensor with exponential backoff and shows why in squall sensor list', async () => {
    const crashed = await until(async () => {
      const s = await sensor('sensortest.Crasher');
      return s.restarts >= 2 && s;
    }, 15_000, 'two restarts of the crashing sensor');
    expect(crashed.last_error).toContain('boom: cannot reach the device');
    const listed = JSON.parse(await squall('sensor', 'list', '--pack', 'sensortest', '--json')) as Sensor[];
    const row = listed.find((s) => s.ref === 'sensortest.Crasher')!;
    expect(row.restarts).toBeGreaterThanOrEqual(2);
    expect(row.last_error).toContain('boom');
    const table = await squall('sensor', 'list', '--pack', 'sensortest');
    expect(table).toMatch(/sensortest\.Crasher.*(backoff|starting|running).*boom/);
    // Each start and exit of the process is a core.st2.sensor.* trigger instance.
    const spawns = (await server.call<Array<{ payload: { id: string } }>>('GET', '/triggerinstances?trigger_type=core.st2.sensor.process_spawn&limit=100')).body;
    const exits = (await server.call<Array<{ payload: { id: string; exit_code: number } }>>('GET', '/triggerinstances?trigger_type=core.st2.sensor.process_exit&limit=100')).body;
    expect(spawns.filter((i) => i.payload.id === 'sensortest.Crasher').length).toBeGreaterThanOrEqual(2);
    expect(exits.filter((i) => i.payload.id === 'sensortest.Crasher').every((i) => i.payload.exit_code === 1)).toBe(true);
  });

  it('waits longer between restarts each time (1 s, 2 s, 4 s, …)', async () => {
    // last_exit_at is stamped at each failure; the gaps are the backoff plus a process start.
    const exits = new Map<number, number>();
    const run = () => [...exits.keys()].find((n) => n >= 2 && exits.has(n + 1) && exits.has(n + 2));
    await until(async () => {
      const s = await sensor('sensortest.Crasher') as Sensor & { last_exit_at: string | null };
      if (s.last_exit_at) exits.set(s.restarts, Date.parse(s.last_exit_at));
      return run() !== undefined;
    }, 30_000, 'three consecutive restarts');
    const n = run()!;
    const [gap1, gap2] = [exits.get(n + 1)! - exits.get(n)!, exits.get(n + 2)! - exits.get(n + 1)!];
    // Failure n waits 2^(n-1) s before the next start.
    expect(gap1).toBeGreaterThanOrEqual(1_000 * 2 ** (n - 1));
    expect(gap2).toBeGreaterThanOrEqual(1_000 * 2 ** n);
    expect(gap2).toBeGreaterThan(gap1 * 1.5);
  });

  it('squall sensor disable stops it; enable starts it again', async () => {
    expect(JSON.parse(await squall('sensor', 'disable', 'sensortest.Crasher', '--json'))).toMatchObject({ enabled: false });
    const off = await until(async () => {
      const s = await sensor('sensortest.Crasher');
      return s.state === 'disabled' && s;
    }, 10_000, 'disabled state');
    expect(off.node).toBeNull();
    const restarts = off.restarts;
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await sensor('sensortest.Crasher')).restarts).toBe(restarts);
    expect(JSON.parse(await squall('sensor', 'enable', 'sensortest.Crasher', '--json'))).toMatchObject({ enabled: true });
    await until(async () => (await sensor('sensortest.Crasher')).restarts > restarts, 10_000, 'a restart after enable');
    await squall('sensor', 'disable', 'sensortest.Crasher');
  });

  it('runs a polling sensor every poll_interval, with the datastore through the sensor service', async () => {
    const ticks = await until(async () => {
      const list = (await server.call<Array<{ payload: { n: number; greeting?: string } }>>('GET', '/triggerinstances?trigger_type=sensortest.tick&limit=100')).body;
      return list.length >= 3 && list;
    }, 10_000, 'three ticks');
    // One tick per poll, counted in order: consecutive n, none repeated or skipped.
    const ns = ticks.map((t) => t.payload.n).sort((a, b) => a - b);
    expect(ns[0]).toBeGreaterThanOrEqual(1);
    expect(ns).toEqual(ns.map((_, i) => ns[0]! + i));
    // The pack's config (configs/sensortest.yaml) reaches the constructor, as in st2.
    expect(ticks[0]!.payload).toMatchObject({ greeting: 'bonjour' });
    // The count lives in the datastore under the sensor's local prefix (as st2's get_value(local=True)).
    const key = await server.call<{ value: string }>('GET', `/keys/${encodeURIComponent('sensortest.Poller:count')}`);
    expect(key.status).toBe(200);
    expect(Number(key.body.value)).toBeGreaterThanOrEqual(3);
    expect((await sensor('sensortest.Poller')).state).toBe('running');
  });

  it('a passive sensor dispatches triggers that fire a rule end to end', async () => {
    const alerts = await until(async () => {
      const list = (await server.call<Array<{ id: string; payload: Record<string, string>; trace_tag: string | null }>>('GET', '/triggerinstances?trigger_type=sensortest.alert')).body;
      return list.length === 2 && list;
    }, 10_000, 'two alerts');
    const critical = alerts.find((a) => a.payload.level === 'critical')!;
    expect(critical.trace_tag).toBe('watcher-1');
    const enforcements = await until(async () => {
      const list = (await server.call<Array<{ status: string; execution_id: string | null; trigger_instance_id: string }>>('GET', '/ruleenforcements?rule=sensortest.restart_on_alert')).body;
      return list.length === 2 && list;
    }, 10_000, 'two rule enforcements');
    const fired = enforcements.find((e) => e.trigger_instance_id === critical.id)!;
    expect(fired.execution_id).not.toBeNull();
    expect(enforcements.filter((e) => e.execution_id !== null)).toHaveLength(1);
    const execution = await until(async () => {
      const e = (await server.call<{ status: string; result: { stdout: string } }>('GET', `/executions/${fired.execution_id}`)).body;
      return e.status === 'succeeded' && e;
    }, 15_000, 'the action to succeed');
    expect(execution.result.stdout.trim()).toBe('restarting web-1');
    const watcher = await sensor('sensortest.Watcher');
    expect(watcher).toMatchObject({ state: 'running', restarts: 0, last_error: null });
    expect(watcher.pid).toBeGreaterThan(0);
  });
});
