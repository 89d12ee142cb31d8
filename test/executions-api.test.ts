// Journeys through the REST API on both backends: run actions, watch them, cancel,
// re-run, policies, and bad input that must change nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ApiClient } from '../src/cli/client.js';
import { isAlive } from '../src/runners/test-helpers.js';
import { describeServer, until } from './helpers/server.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'packs');
type Json = any;

describeServer('executions API', (server, backend) => {
  const run = async (action: string, parameters: Json = {}) => {
    const r = await server().call('POST', '/executions', { action, parameters });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as Json;
  };
  const ended = (id: string, ms = 15_000) =>
    until(async () => {
      const e = (await server().call('GET', `/executions/${id}`)).body;
      return ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'].includes(e.status) && e;
    }, ms, `execution ${id} to end`);
  const count = async () => (await server().call('GET', '/executions?limit=1000')).body.length as number;
  // A shell that writes its pid, sleeps, then leaves a marker: killed in time, it leaves none.
  const sleeper = (seconds: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-sleeper-'));
    const pidFile = join(dir, 'pid');
    const marker = join(dir, 'slept');
    return {
      cmd: `echo $$ > ${pidFile}; sleep ${seconds}; touch ${marker}`,
      started: () => until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 10_000, 'the shell to write its pid'),
      /** Waits for the shell to be gone; true when it never got past its sleep. */
      async killed() {
        const pid = Number(readFileSync(pidFile, 'utf8'));
        await until(() => !isAlive(pid), 10_000, `the shell (pid ${pid}) to be gone`);
        const cutShort = !existsSync(marker);
        rmSync(dir, { recursive: true, force: true });
        return cutShort;
      },
    };
  };

  it('runs core.local and returns st2\'s result shape with streamed output', async () => {
    const e = await run('core.local', { cmd: 'echo one; echo two >&2; echo three' });
    expect(e.status).toBe('requested');
    const done = await ended(e.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ stdout: 'one\nthree', stderr: 'two', return_code: 0, succeeded: true, failed: false });
    expect(done.start_timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    const out = (await server().call('GET', `/executions/${e.id}/output`)).body;
    expect(out.lines.map((l: Json) => [l.stream, l.data]).sort()).toEqual([['stderr', 'two'], ['stdout', 'one'], ['stdout', 'three']]);
  });

  it('marks a non-zero exit failed', async () => {
    const done = await ended((await run('core.local', { cmd: 'echo nope >&2; exit 4' })).id);
    expect(done.status).toBe('failed');
    expect(done.result).toMatchObject({ return_code: 4, stderr: 'nope', failed: true });
  });

  it('does not let a parameter inject shell commands (core.echo)', async () => {
    const done = await ended((await run('core.echo', { message: 'hi $(echo INJECTED); echo also' })).id);
    expect(done.status).toBe('succeeded');
    expect(done.result.stdout).toBe('hi $(echo INJECTED); echo also');
  });

  it('ends a command that runs past its timeout as timeout', async () => {
    const sleeping = sleeper(10);
    const done = await ended((await run('core.local', { cmd: sleeping.cmd, timeout: 1 })).id);
    expect(done.status).toBe('timeout');
    expect(await sleeping.killed()).toBe(true);
  });

  it('cancels a running execution by killing it', async () => {
    const sleeping = sleeper(10);
    const e = await run('core.local', { cmd: sleeping.cmd });
    await until(async () => (await server().call('GET', `/executions/${e.id}`)).body.status === 'running', 10_000, 'running');
    await sleeping.started();
    const c = await server().call('DELETE', `/executions/${e.id}`);
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('canceling');
    const done = await ended(e.id);
    expect(done.status).toBe('canceled');
    expect(await sleeping.killed()).toBe(true);
    const again = await server().call('DELETE', `/executions/${e.id}`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ILLEGAL_TRANSITION');
  });

  it('re-runs with the same parameters, overriding some', async () => {
    const first = await ended((await run('core.local', { cmd: 'echo first' })).id);
    const r = await server().call('POST', `/executions/${first.id}/re_run`, { parameters: { cmd: 'echo second' } });
    expect(r.status).toBe(201);
    expect(r.body.context.rerun_of).toBe(first.id);
    expect((await ended(r.body.id)).result.stdout).toBe('second');
  });

  it('rejects bad input with a clear error and stores nothing', async () => {
    const before = await count();
    const unknown = await server().call('POST', '/executions', { action: 'core.nope' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ACTION_NOT_FOUND']);
    const badType = await server().call('POST', '/executions', { action: 'core.local', parameters: { cmd: 'true', timeout: 'soon' } });
    expect([badType.status, badType.body.code]).toEqual([422, 'PARAMETERS_INVALID']);
    expect(badType.body.faultstring).toContain('timeout');
    const extra = await server().call('POST', '/executions', { action: 'core.local', parameters: { cmd: 'true', colour: 'red' } });
    expect([extra.status, extra.body.code]).toEqual([422, 'PARAMETERS_INVALID']);
    const missing = await server().call('POST', '/executions', { action: 'core.local' });
    expect([missing.status, missing.body.faultstring]).toEqual([422, expect.stringContaining('cmd')]);
    const notJson = await server().call('POST', '/executions', '{"action": ', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    const badBody = await server().call('POST', '/executions', { action: 'core.local', params: {} });
    expect([badBody.status, badBody.body.code]).toEqual([400, 'BAD_REQUEST']);
    const huge = await server().call('POST', '/executions', { action: 'core.local', parameters: { cmd: 'x'.repeat(11 * 1024 * 1024) } });
    expect([huge.status, huge.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await count()).toBe(before);
  });

  it('requires authentication on every route but health', async () => {
    const url = server().url!;
    expect((await fetch(`${url}/api/v1/executions`)).status).toBe(401);
    expect((await fetch(`${url}/api/v1/executions`, { headers: { 'St2-Api-Key': 'sq_wrong' } })).status).toBe(401);
    expect((await fetch(`${url}/api/v1/stream`)).status).toBe(401);
    expect((await fetch(`${url}/api/v1/executions`, { headers: { authorization: `Bearer ${server().apiKey}` } })).status).toBe(200);
    expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
    const body = (await (await fetch(`${url}/api/v1/executions`)).json()) as Json;
    expect(body).toMatchObject({ code: 'UNAUTHORIZED', faultstring: expect.any(String) });
  });

  it('lists newest first with filters and pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await ended((await run('core.noop')).id)).id);
    const list = (await server().call('GET', '/executions?action=core.noop&limit=2')).body;
    expect(list.map((e: Json) => e.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await server().call('GET', '/executions?action=core.noop&limit=2&offset=1')).body;
    expect(page2[0].id).toBe(ids[1]);
    const failed = (await server().call('GET', '/executions?status=failed')).body;
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e: Json) => e.status === 'failed')).toBe(true);
    expect(list[0]).not.toHaveProperty('result.stdout');
  });

  /** Events of /api/v1/stream?QUERY, read by the CLI's client, from once the stream is open until stop(). */
  const listen = async (query: string) => {
    const controller = new AbortController();
    const events: Array<[string, Json]> = [];
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const done = new ApiClient({ url: server().url!, apiKey: server().apiKey })
      .stream(query, (name, data) => void events.push([name, data]), controller.signal, opened);
    await open;
    return { events, stop: () => (controller.abort(), done) };
  };

  it('streams one execution\'s updates and output lines over SSE', async () => {
    const e = await run('core.local', { cmd: 'echo streamed; sleep 0.2' });
    const stream = await listen(`execution=${e.id}`);
    await until(() => stream.events.some(([, d]) => d.status === 'succeeded'), 10_000, 'the stream to report success');
    await stream.stop();
    expect(stream.events.some(([name, d]) => name === 'st2.execution.output__create' && d.data === 'streamed')).toBe(true);
  });

  it('streams every execution unfiltered: created, then updated, with its output lines (st2 event names)', async () => {
    const stream = await listen('');
    const e = await run('core.local', { cmd: 'echo unfiltered' });
    const mine = () => stream.events.filter(([, d]) => d.id === e.id || d.execution_id === e.id);
    await until(() => mine().some(([name, d]) => name === 'st2.execution__update' && d.status === 'succeeded'), 10_000, 'the stream to report success');
    await stream.stop();
    const seen = mine();
    expect(seen[0]).toEqual(['st2.execution__create', expect.objectContaining({ id: e.id, action: 'core.local', status: 'requested' })]);
    expect(seen.filter(([name]) => name === 'st2.execution__create')).toHaveLength(1);
    expect(seen.filter(([name]) => name === 'st2.execution__update').map(([, d]) => d.status)).toEqual(['scheduled', 'running', 'succeeded']);
    expect(seen).toContainEqual(['st2.execution.output__create', expect.objectContaining({ stream: 'stdout', data: 'unfiltered' })]);
  });

  it('registers a pack with policies: concurrency delays, retry re-runs', async () => {
    const reg = await server().call('POST', '/packs/register', { path: join(fixtures, 'policies_demo') });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    const a = await run('policies_demo.slow');
    const b = await run('policies_demo.slow');
    // Both are requested at once: whichever the scheduler claims first runs, the other waits.
    const status = async (id: string) => (await server().call('GET', `/executions/${id}`)).body.status;
    const waiting = await until(async () => ((await status(b.id)) === 'delayed' && b) || ((await status(a.id)) === 'delayed' && a), 10_000, 'one of them to be delayed');
    const first = waiting === b ? a : b;
    const [df, dw] = [await ended(first.id), await ended(waiting.id)];
    expect([df.status, dw.status]).toEqual(['succeeded', 'succeeded']);
    expect(Date.parse(dw.start_timestamp)).toBeGreaterThanOrEqual(Date.parse(df.end_timestamp));

    const f = await run('policies_demo.flaky');
    await ended(f.id);
    const retries = await until(async () => {
      const list = (await server().call('GET', '/executions?action=policies_demo.flaky')).body as Json[];
      return list.length === 3 && list.every((e) => e.status === 'failed') && list;
    }, 15_000, 'two retries');
    expect(retries.map((e: Json) => e.context.retry?.count ?? 0).sort()).toEqual([0, 1, 2]);
  });

  it('runs a script action with positional and named parameters', async () => {
    await server().call('POST', '/packs/register', { path: join(fixtures, 'policies_demo') });
    const done = await ended((await run('policies_demo.script', { who: 'ops; rm -rf /', times: '2' })).id);
    expect(done.status).toBe('succeeded');
    expect(done.result.stdout).toBe('hello ops; rm -rf /\nhello ops; rm -rf /');
  });

  it(`purges old executions on demand (${backend})`, async () => {
    const r = await server().call('POST', '/executions/purge', { older_than: '0s' });
    expect(r.status).toBe(200);
    expect(r.body.deleted).toBeGreaterThan(0);
    const bad = await server().call('POST', '/executions/purge', { older_than: 'yesterday' });
    expect([bad.status, bad.body.code]).toEqual([422, 'PARAMETERS_INVALID']);
  });

  it('serves an OpenAPI document of its routes', async () => {
    const doc = (await fetch(`${server().url}/api/v1/openapi.json`).then((r) => r.json())) as Json;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/executions', '/api/v1/executions/{id}', '/api/v1/packs']));
  });
});
