// The node runner through a real server: JS modules exporting a function or a class, the
// datastore through ctx, a thrown error with its stack, the time limit.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../src/runners/test-helpers.js';
import { startTestServer, until, type TestServer } from './helpers/server.js';
import { runAction } from './node-runner-run-action.js';

const PACK = join(import.meta.dirname, 'fixtures', 'python-packs', 'node_demo');

describe('node runner', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { packs: [PACK] });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('runs a function export with ctx: datastore get/set, logger, execution id, pack', async () => {
    const first = await runAction(s, 'node_demo.greet', { name: 'ops' });
    expect(first.execution.status).toBe('succeeded');
    expect(first.execution.result).toEqual({ greeting: 'hello ops', seen: 1, execution: first.execution.id, pack: 'node_demo' });
    expect(first.output).toContainEqual(expect.objectContaining({ stream: 'stdout', data: 'hello ops' }));
    expect(first.output).toContainEqual(expect.objectContaining({ stream: 'stderr', data: '[info] greeting ops' }));
    expect(first.output.some((l) => l.data.includes('%%squall-result%%'))).toBe(false);
    const second = await runAction(s, 'node_demo.greet', { name: 'ops' });
    expect((second.execution.result as any).seen).toBe(2);
    expect((await s.call('GET', '/keys/greet.count')).body.value).toBe('2');
  });

  it('runs a class export, and a thrown error fails with message and stack', async () => {
    const ok = await runAction(s, 'node_demo.counter', { n: 21 });
    expect(ok.execution).toMatchObject({ status: 'succeeded', result: { doubled: 42 } });
    const bad = await runAction(s, 'node_demo.counter', { n: 3, fail: true });
    expect(bad.execution.status).toBe('failed');
    expect(bad.execution.result.error).toBe('asked to fail at 3');
    expect(bad.execution.result.traceback).toMatch(/Error: asked to fail at 3\n\s+at Counter\.run .*counter\.mjs/);
  });

  it('kills an action that runs past its time limit', async () => {
    const slow = await runAction(s, 'node_demo.slow', {});
    expect(slow.execution.status).toBe('timeout');
    expect(slow.execution.result.error).toBe('Action failed to complete in 1 seconds');
    const pid = Number(/^pid (\d+)$/m.exec(slow.execution.result.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await until(() => !isAlive(pid), 10_000, `the process that ran it (pid ${pid}) to be gone`);
  });
});
