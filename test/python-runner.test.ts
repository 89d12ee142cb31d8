// StackStorm Python actions from three Exchange-style packs, run unchanged through the
// python-script runner and Squall's st2common shim, with the machine's python3.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { runAction } from './node-runner-run-action.js';

const PACKS = ['csv', 'kvstore', 'webhook_helper'].map((p) => join(import.meta.dirname, 'fixtures', 'python-packs', p));

describe('python-script runner', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { packs: PACKS });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('csv.parse returns a plain value wrapped in st2 result shape; the logger writes to stderr', async () => {
    const { execution, output } = await runAction(s, 'csv.parse', { data: 'a,b\n"c,d",e\n' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toMatchObject({ result: [['a', 'b'], ['c,d', 'e']], stdout: '', exit_code: 0 });
    expect(execution.result.stderr).toMatch(/INFO parse \[-\] parsed 2 rows/);
    expect(output.some((l) => l.stream === 'stderr' && l.data.includes('parsed 2 rows'))).toBe(true);
  });

  it('csv.format: a (False, value) tuple fails the execution with that value', async () => {
    const ok = await runAction(s, 'csv.format', { data: [['x', 'y'], ['1', '2']], delimiter: ';' });
    expect(ok.execution.status).toBe('succeeded');
    expect(ok.execution.result.result).toBe('x;y\n1;2\n');
    const bad = await runAction(s, 'csv.format', { data: [] });
    expect(bad.execution.status).toBe('failed');
    expect(bad.execution.result.result).toBe('no rows given');
  });

  it('kvstore: self.config from the pack config, action_service get/set/list/delete with st2 local prefixes, actions/lib imports', async () => {
    const one = await runAction(s, 'kvstore.increment', { counter: 'hits' });
    expect(one.execution.status).toBe('succeeded');
    expect(one.execution.result.result).toEqual({ counter: 'hits', value: 2, keys: ['kvstore.IncrementAction:hits'] });
    const two = await runAction(s, 'kvstore.increment', { counter: 'hits' });
    expect(two.execution.result.result.value).toBe(4);
    expect((await s.call('GET', '/keys/kvstore.IncrementAction:hits')).body.value).toBe('4');
    const gone = await runAction(s, 'kvstore.cleanup', { counter: 'nothing' });
    expect(gone.execution.status).toBe('failed');
    expect(gone.execution.result.error).toBe('ValueError: no counter named nothing');
    expect(gone.execution.result.traceback).toMatch(/Traceback \(most recent call last\):[\s\S]*cleanup\.py", line \d+, in run/);
  });

  it('webhook_helper.sign computes with a secret parameter that never shows in the API', async () => {
    const { execution } = await runAction(s, 'webhook_helper.sign', { payload: { b: 1, a: 'x' }, key: 'k3y-material' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result.result.body).toBe('{"a":"x","b":1}');
    expect(execution.result.result.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(execution.parameters.key).toBe('********');
  });

  it('an exception fails with its type, message and traceback', async () => {
    const { execution } = await runAction(s, 'webhook_helper.crash', {});
    expect(execution.status).toBe('failed');
    expect(execution.result.error).toBe('RuntimeError: boom from python');
  });
});
