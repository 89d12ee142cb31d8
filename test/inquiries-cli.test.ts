// `squall inquiry list|get|respond` end to end: the built CLI against a real server, with a
// workflow waiting on core.ask. The API suite covers both backends; one is enough here.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, until, type TestServer } from './helpers/server.js';

const cli = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
type Json = any;

describe('squall inquiry CLI [sqlite]', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
    expect((await s.call('POST', '/packs/register', { path: join(import.meta.dirname, 'fixtures', 'packs', 'wf_demo') })).status).toBe(201);
  });
  afterAll(async () => {
    await s.stop();
  });
  const sq = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, SQUALL_HOME: s.home }, timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('lists, shows and answers the inquiry a workflow waits on; a bad answer is refused', async () => {
    const wf = (await s.call('POST', '/executions', { action: 'wf_demo.approve', parameters: {} })).body as Json;
    const ask = await until(async () => ((await s.call('GET', `/executions?parent=${wf.id}&action=core.ask&status=pending`)).body as Json[])[0], 30_000, 'the inquiry');

    const list = await sq('inquiry', 'list', '--json');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ id: ask.id, parent: wf.id, route: 'deployers' }));
    expect((await sq('inquiry', 'list')).stdout).toMatch(new RegExp(`^${ask.id}\\s+${wf.id}\\s+deployers`, 'm'));
    const got = await sq('inquiry', 'get', ask.id, '--json');
    expect(JSON.parse(got.stdout).schema.properties.approved.type).toBe('boolean');

    const bad = await sq('inquiry', 'respond', ask.id, '-r', '{"approved": "maybe"}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('response.approved must be boolean');
    expect(bad.stderr).toContain('hint: Answer with a JSON object matching the schema');
    const notJson = await sq('inquiry', 'respond', ask.id, '-r', '{approved');
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('--response is not JSON');
    expect((await s.call('GET', `/executions/${wf.id}`)).body.status).toBe('paused');

    const ok = await sq('inquiry', 'respond', ask.id, '-r', '{"approved": true, "version": "9"}', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ id: ask.id, response: { approved: true, version: '9' } });
    const done = await until(async () => {
      const e = (await s.call('GET', `/executions/${wf.id}`)).body as Json;
      return ['succeeded', 'failed'].includes(e.status) && e;
    }, 30_000, 'the workflow to end');
    expect(done.result.output.said).toBe('deploying 9');
    const twice = await sq('inquiry', 'respond', ask.id, '-r', '{"approved": true}');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`inquiry ${ask.id} is no longer pending`);
  });
});
