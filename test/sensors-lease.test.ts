// Each sensor runs on exactly one node: two sensor containers (two nodes) over one store,
// on SQLite and PostgreSQL. One holds the lease and runs the process; when it stops, or its
// lease runs out, the other takes the sensor over.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { createEventDeps, registerBuiltinTriggerTypes } from '../src/events/index.js';
import { createPackDeps, packDirectory, registerPack } from '../src/packs/index.js';
import { startSensorContainer } from '../src/sensors/container.js';
import { sensorPackContent } from '../src/sensors/pack-sensors.js';
import { listInstances } from '../src/store/events.js';
import { acquireSensorLease, getSensor, listSensors } from '../src/store/sensors.js';
import type { Store } from '../src/store/types.js';
import { describeBackends } from './helpers/backends.js';
import { until } from './helpers/server.js';

function leasePack(): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-lease-'));
  mkdirSync(join(dir, 'sensors'));
  writeFileSync(join(dir, 'pack.yaml'), 'name: leasetest\ndescription: one idle sensor\nversion: 1.0.0\nauthor: Squall\nemail: squall@example.com\n');
  writeFileSync(join(dir, 'sensors', 'idle.yaml'), 'class_name: Idle\nentry_point: idle.mjs\n');
  writeFileSync(join(dir, 'sensors', 'idle.mjs'), 'export class Idle { run() { return new Promise((r) => { this.stop = r; }); } cleanup() { this.stop?.(); } }\n');
  return dir;
}

async function setup(store: Store) {
  const now = () => Date.now();
  const events = createEventDeps(now);
  await store.tx((tx) => registerBuiltinTriggerTypes(tx, now()));
  await registerPack(createPackDeps(store, now, new Map(), { contents: [sensorPackContent(now)] }), leasePack());
  const container = (node: string) => startSensorContainer({
    store, now, log: pino({ level: 'silent' }), node, events,
    packDir: (pack) => store.read((tx) => packDirectory(tx, pack)),
  }, { leaseMs: 1_500, scanMs: 200, backoffMs: 100 });
  return { container };
}

describeBackends('sensor lease', ({ open }) => {
  it('runs the sensor on one node only, and moves it when that node stops', async () => {
    const store = await open();
    const { container } = await setup(store);
    const nodes = { a: container('node-a'), b: container('node-b') };
    const first = await until(async () => {
      const s = await store.read((tx) => getSensor(tx, 'leasetest.Idle'));
      return s?.state === 'running' && s;
    }, 10_000, 'the sensor running on one node');
    // Several scans later still one process: one spawn, and the same owner.
    await new Promise((r) => setTimeout(r, 1_000));
    const spawns = await store.read((tx) => listInstances(tx, { triggerType: 'core.st2.sensor.process_spawn', limit: 10 }));
    expect(spawns).toHaveLength(1);
    expect((await store.read((tx) => getSensor(tx, 'leasetest.Idle')))!.lease_owner).toBe(first.lease_owner);

    const owner = first.lease_owner as 'node-a' | 'node-b';
    const other = owner === 'node-a' ? 'node-b' : 'node-a';
    await nodes[owner === 'node-a' ? 'a' : 'b'].stop();
    const moved = await until(async () => {
      const s = await store.read((tx) => getSensor(tx, 'leasetest.Idle'));
      return s?.lease_owner === other && s.state === 'running' && s;
    }, 10_000, 'the other node taking the sensor over');
    expect(moved.pid).not.toBe(first.pid);
    await nodes[other === 'node-a' ? 'a' : 'b'].stop();
    expect((await store.read((tx) => getSensor(tx, 'leasetest.Idle')))).toMatchObject({ lease_owner: null, state: 'stopped' });
  });

  it('a lease is taken over only once it has expired', async () => {
    const store = await open();
    await setup(store);
    const t = 1_000_000;
    expect(await store.tx((tx) => acquireSensorLease(tx, 'leasetest.Idle', 'node-a', 30_000, t))).toBe(true);
    expect(await store.tx((tx) => acquireSensorLease(tx, 'leasetest.Idle', 'node-b', 30_000, t + 29_000))).toBe(false);
    expect(await store.tx((tx) => acquireSensorLease(tx, 'leasetest.Idle', 'node-a', 30_000, t + 29_000))).toBe(true);
    expect(await store.tx((tx) => acquireSensorLease(tx, 'leasetest.Idle', 'node-b', 30_000, t + 60_000))).toBe(true);
    expect((await store.read((tx) => getSensor(tx, 'leasetest.Idle')))!.lease_owner).toBe('node-b');
  });

  it('a pack with a bad sensor file is refused whole, with file:line, and its sensors stay as they were', async () => {
    const store = await open();
    await setup(store);
    const dir = leasePack();
    writeFileSync(join(dir, 'sensors', 'bus.yaml'), 'name: bus\ntype: amqp\nqueue: q\nprefetch: 0\ntrigger: x\n');
    const err = await registerPack(createPackDeps(store, () => Date.now(), new Map(), { contents: [sensorPackContent(() => Date.now())] }), dir).catch((e) => e);
    expect(err).toMatchObject({ code: 'PACK_INVALID', where: { file: 'sensors/bus.yaml', line: 4, field: 'prefetch' } });
    expect(await store.read((tx) => listSensors(tx, 'leasetest'))).toHaveLength(1);
  });
});
