// TypeScript pack code on Node 20, through a real server: a .ts node action with types and a
// sibling .ts module, given its pack config as ctx.config; a .ts sensor dispatching a trigger;
// a pack whose .ts modules do not parse, refused at registration with file:line:column.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, until, type TestServer } from './helpers/server.js';
import { runAction } from './node-runner-run-action.js';

const PACKS = join(import.meta.dirname, 'fixtures', 'packs');

describe('TypeScript in packs', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { packs: [join(PACKS, 'ts_demo')] });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('runs a .ts node action importing a sibling .ts module, with the pack config as ctx.config', async () => {
    const { execution } = await runAction(s, 'ts_demo.greet', { name: 'ops' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toEqual({ text: 'GOOD MORNING OPS!', tone: 'Loud', module: 'greet.ts' });
  });

  it('a thrown error fails the action with a stack trace pointing at the .ts source line', async () => {
    const { execution } = await runAction(s, 'ts_demo.greet', { name: 'ops', fail: true });
    expect(execution.status).toBe('failed');
    expect(execution.result.error).toBe('asked to fail for ops');
    expect(execution.result.traceback).toMatch(/at run \(.*\/ts_demo\/actions\/greet\.ts:15:/);
  });

  it('runs a .ts sensor that dispatches its trigger, with the pack config', async () => {
    const ticks = await until(async () => {
      const list = (await s.call<Array<{ payload: { n: number; greeting: string } }>>('GET', '/triggerinstances?trigger_type=ts_demo.tick&limit=10')).body;
      return list.length === 3 && list;
    }, 20_000, 'three ts_demo.tick instances');
    expect(ticks.map((t) => t.payload).sort((a, b) => a.n - b.n)).toEqual([1, 2, 3].map((n) => ({ n, greeting: 'good morning' })));
  });

  it('refuses a pack whose TypeScript does not parse, naming the file, line and column', async () => {
    const register = (dir: string) => s.call('POST', '/packs/register', { path: join(PACKS, 'broken', dir) });
    const action = await register('ts-syntax');
    expect(action.status).toBe(422);
    expect(action.body.faultstring).toBe("actions/lib/helper.ts:2:36: ',' expected.");
    const sensor = await register('ts-sensor-syntax');
    expect(sensor.status).toBe(422);
    expect(sensor.body.faultstring).toBe("sensors/watch.ts:4:3: ',' expected.");
    expect((await s.call('GET', '/packs/ts_syntax')).status).toBe(404);
    expect((await s.call('GET', '/packs/ts_sensor_syntax')).status).toBe(404);
  });
});
