// Workflow run control through the API on both backends: re-running a failed workflow from
// its failed task (st2 `re-run --tasks`), pause/resume/cancel reaching a child workflow, task
// timeouts and workflow timeouts.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isAlive } from '../src/runners/test-helpers.js';
import { describeBackends, testPostgresUrl } from './helpers/backends.js';
import { describeServer, startTestServer, until } from './helpers/server.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'packs');
type Json = any;

describeServer('workflow re-run and timeouts through the API', (server) => {
  const dir = mkdtempSync(join(tmpdir(), 'squall-rerun-'));
  beforeAll(async () => {
    const r = await server().call('POST', '/packs/register', { path: join(fixtures, 'wf_demo') });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (action: string, parameters: Json = {}) => {
    const r = await server().call('POST', '/executions', { action, parameters });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as Json;
  };
  const get = async (id: string) => (await server().call('GET', `/executions/${id}`)).body as Json;
  const children = async (id: string) => (await server().call('GET', `/executions?parent=${id}`)).body as Json[];
  const ended = (id: string) =>
    until(async () => {
      const e = await get(id);
      return ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'].includes(e.status) && e;
    }, 30_000, `execution ${id} to end`);

  it('re-runs a failed workflow from its failed task, keeping what earlier tasks published', async () => {
    const marker = join(dir, 'ready');
    const first = await ended((await run('wf_demo.deploy', { marker })).id);
    expect(first.status).toBe('failed');
    writeFileSync(marker, 'fixed');

    const r = await server().call('POST', `/executions/${first.id}/re_run`, { tasks: ['check'] });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.context).toMatchObject({ rerun_of: first.id, rerun_tasks: { tasks: ['check'], reset: [] } });
    const again = await ended(r.body.id);
    expect(again.status).toBe('succeeded');
    expect(again.result.output).toEqual({ shipped: 'shipping build-42' });
    // prepare ran once, in the original; the re-run ran only check and ship.
    expect((await children(again.id)).map((c) => c.context.workflow.task).sort()).toEqual(['check', 'ship']);
    expect((await children(first.id)).map((c) => c.context.workflow.task).sort()).toEqual(['check', 'prepare']);
    // The original stays as it ended.
    expect((await get(first.id)).status).toBe('failed');
  });

  it('re-runs the failed tasks when tasks is empty', async () => {
    const marker = join(dir, 'later');
    const first = await ended((await run('wf_demo.deploy', { marker })).id);
    writeFileSync(marker, 'fixed');
    const r = await server().call('POST', `/executions/${first.id}/re_run`, { tasks: [] });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await ended(r.body.id)).status).toBe('succeeded');
    expect((await children(r.body.id)).map((c) => c.context.workflow.task).sort()).toEqual(['check', 'ship']);
  });

  it('refuses unknown tasks, tasks that did not fail, running workflows and plain actions, saying why', async () => {
    const failed = await ended((await run('wf_demo.deploy', { marker: join(dir, 'never') })).id);
    const unknown = await server().call('POST', `/executions/${failed.id}/re_run`, { tasks: ['chek'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'RERUN_INVALID', faultstring: expect.stringContaining('no task named chek') });
    const succeeded = await server().call('POST', `/executions/${failed.id}/re_run`, { tasks: ['prepare'] });
    expect(succeeded.status).toBe(422);
    expect(succeeded.body.faultstring).toContain('task prepare has no failed execution');
    const withParams = await server().call('POST', `/executions/${failed.id}/re_run`, { tasks: ['check'], parameters: { marker: '/x' } });
    expect(withParams.body.code).toBe('RERUN_INVALID');

    const plain = await ended((await run('core.noop')).id);
    const notWorkflow = await server().call('POST', `/executions/${plain.id}/re_run`, { tasks: ['a'] });
    expect(notWorkflow.status).toBe(422);
    expect(notWorkflow.body.faultstring).toContain('not a workflow');

    const running = await run('wf_demo.hang');
    // Running, so that the cancel below goes through the canceling path.
    await until(async () => (await children(running.id))[0]?.status === 'running', 10_000, 'the first task to run');
    const active = await server().call('POST', `/executions/${running.id}/re_run`, { tasks: ['nap'] });
    expect(active.status).toBe(409);
    expect(active.body.code).toBe('ILLEGAL_TRANSITION');
    expect((await server().call('POST', `/executions/${running.id}/cancel`)).status).toBe(200);
    expect((await ended(running.id)).status).toBe('canceled');
  });

  /** wf_demo.gate_outer running, its child workflow's task waiting for `marker`: the ids and the task's shell pid. */
  async function gateRunning(name: string) {
    const marker = join(dir, `${name}.go`);
    const pidfile = join(dir, `${name}.pid`);
    const parent = await run('wf_demo.gate_outer', { marker, pidfile });
    const pid = await until(() => existsSync(pidfile) && Number(readFileSync(pidfile, 'utf8')), 10_000, 'the child task to start');
    const [child] = await children(parent.id);
    const [wait] = await children(child.id);
    expect([child.action, wait.context.workflow.task, wait.status]).toEqual(['wf_demo.gate', 'wait', 'running']);
    return { parent: parent.id as string, child: child.id as string, wait: wait.id as string, pid, marker };
  }
  const statusOf = async (...ids: string[]) => Promise.all(ids.map(async (id) => (await get(id)).status));

  it('pausing a workflow pauses its running child workflow once the child\'s running task finished; resume resumes both', async () => {
    const g = await gateRunning('pause');
    const paused = await server().call('POST', `/executions/${g.parent}/pause`);
    expect([paused.status, paused.body.status]).toEqual([200, 'pausing']);
    // The child's task is no workflow: it carries on, and both workflows wait for it.
    await until(async () => (await get(g.child)).status === 'pausing', 10_000, 'the child to be pausing');
    expect(await statusOf(g.parent, g.wait)).toEqual(['pausing', 'running']);

    writeFileSync(g.marker, '');
    await until(async () => (await get(g.parent)).status === 'paused', 10_000, 'the parent to pause');
    expect(await statusOf(g.child, g.wait)).toEqual(['paused', 'succeeded']);
    // The child's next task is held until it resumes.
    expect((await children(g.child)).map((c) => c.context.workflow.task)).toEqual(['wait']);

    const resumed = await server().call('POST', `/executions/${g.parent}/resume`);
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    const done = await ended(g.parent);
    expect([done.status, done.result.output]).toEqual(['succeeded', { inner: { waited: true } }]);
    expect(await statusOf(g.child)).toEqual(['succeeded']);
    expect((await children(g.child)).map((c) => [c.context.workflow.task, c.status]).sort()).toEqual([['after', 'succeeded'], ['wait', 'succeeded']]);
  });

  it('cancelling a workflow cancels its child workflow and kills the child\'s running task process', async () => {
    const g = await gateRunning('cancel');
    expect(isAlive(g.pid)).toBe(true);
    expect((await server().call('DELETE', `/executions/${g.parent}`)).status).toBe(200);
    expect((await ended(g.parent)).status).toBe('canceled');
    await until(async () => (await statusOf(g.child, g.wait)).every((s) => s === 'canceled'), 10_000, 'the child and its task to be canceled');
    await until(() => !isAlive(g.pid), 10_000, `the task's shell (pid ${g.pid}) to be gone`);
    expect((await children(g.child)).map((c) => c.context.workflow.task)).toEqual(['wait']);
  });

  it('ends a task past its timeout with status timeout and follows its failed() transition', async () => {
    const done = await ended((await run('wf_demo.slow')).id);
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ waited: 'timeout' });
    const tasks = await children(done.id);
    const wait = await get(tasks.find((c) => c.context.workflow.task === 'wait').id);
    expect(wait.status).toBe('timeout');
    expect(wait.result.error).toContain('failed to complete in 1 seconds');
    expect(tasks.find((c) => c.context.workflow.task === 'give_up').status).toBe('succeeded');
  });

  it('ends a workflow past its timeout with status timeout and cancels its running task', async () => {
    const done = await ended((await run('wf_demo.hang', { timeout: 1 })).id);
    expect(done.status).toBe('timeout');
    expect(done.result.errors).toContainEqual(expect.objectContaining({ message: 'the workflow did not complete within its timeout of 1 seconds' }));
    const nap = await until(async () => {
      const [c] = await children(done.id);
      return c && ['canceled', 'succeeded', 'failed'].includes(c.status) && c;
    }, 30_000, 'the task to end');
    expect(nap.status).toBe('canceled');
    expect((await children(done.id)).map((c) => c.context.workflow.task)).toEqual(['nap']);
  });
});

describeBackends('a workflow timeout across a restart', ({ backend }) => {
  it('fires on the restarted server: the timeout is a job in the store, not a timer of the process that started the workflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-timeout-'));
    const schema = `test_timeout_${randomBytes(4).toString('hex')}`;
    const db = backend === 'postgres' ? `${testPostgresUrl}?schema=${schema}` : join(dir, 'squall.db');
    try {
      const first = await startTestServer(backend, { db });
      const registered = await first.call('POST', '/packs/register', { path: join(fixtures, 'wf_demo') });
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
      const started = (await first.call('POST', '/executions', { action: 'wf_demo.later', parameters: { timeout: 1 } })).body as Json;
      await until(async () => (await first.call('GET', `/executions?parent=${started.id}`)).body.length > 0, 10_000, 'the delayed task');
      await first.close();

      const second = await startTestServer(backend, { db });
      try {
        const done = await until(async () => {
          const e = (await second.call('GET', `/executions/${started.id}`)).body as Json;
          return ['succeeded', 'failed', 'timeout', 'canceled'].includes(e.status) && e;
        }, 30_000, 'the workflow to end');
        expect(done.status).toBe('timeout');
        const [task] = (await second.call('GET', `/executions?parent=${started.id}`)).body as Json[];
        expect(task.status).toBe('canceled');
      } finally {
        await second.stop();
      }
    } finally {
      if (backend === 'postgres') {
        const admin = new pg.Client({ connectionString: testPostgresUrl });
        await admin.connect();
        await admin.query(`drop schema if exists ${schema} cascade`).finally(() => admin.end());
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
