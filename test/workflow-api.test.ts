// Workflow journeys through the API on both backends: Orquesta patterns with real child
// executions, nesting, pause/resume/cancel, the workflow view, and bad specs at registration.
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeServer, until } from './helpers/server.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'packs');
type Json = any;

describeServer('workflows through the API', (server) => {
  beforeAll(async () => {
    const r = await server().call('POST', '/packs/register', { path: join(fixtures, 'wf_demo') });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
  const run = async (action: string, parameters: Json = {}) => {
    const r = await server().call('POST', '/executions', { action, parameters });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as Json;
  };
  const get = async (id: string) => (await server().call('GET', `/executions/${id}`)).body as Json;
  const ended = (id: string) =>
    until(async () => {
      const e = await get(id);
      return ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'].includes(e.status) && e;
    }, 30_000, `execution ${id} to end`);

  it('runs a sequence passing published data between tasks', async () => {
    const done = await ended((await run('wf_demo.sequence', { who: 'ops' })).id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ output: { greeting: 'hello ops', loud: 'HELLO OPS' } });
    const children = (await server().call('GET', `/executions?parent=${done.id}`)).body as Json[];
    expect(children.map((c) => c.action).reverse()).toEqual(['core.echo', 'core.local', 'core.noop']);
    expect(children.every((c) => c.parent_id === done.id && c.context.workflow.execution_id === done.id)).toBe(true);
  });

  it('fans out with-items under a concurrency limit and joins parallel branches once', async () => {
    const done = await ended((await run('wf_demo.fanout')).id);
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ seen: ['a', 'b', 'c', 'd', 'e'], summary: '5 hosts' });
    const view = (await server().call('GET', `/executions/${done.id}/workflow`)).body;
    expect(view.tasks.filter((t: Json) => t.name === 'joined')).toHaveLength(1);
    expect(view.tasks.find((t: Json) => t.name === 'each').items).toHaveLength(5);
    expect(view.edges).toContainEqual({ from: 'left', to: 'joined', when: null, on: null });
    // Never more than 2 items at once: no item started before the one two places earlier ended.
    const items = ((await server().call('GET', `/executions?parent=${done.id}&action=core.local`)).body as Json[])
      .sort((a, b) => a.context.workflow.item - b.context.workflow.item);
    for (let i = 2; i < items.length; i++) {
      const running = items.filter((x) => Date.parse(x.start_timestamp) <= Date.parse(items[i].start_timestamp) && Date.parse(x.end_timestamp) > Date.parse(items[i].start_timestamp));
      expect(running.length).toBeLessThanOrEqual(2);
    }
  });

  it('the workflow view names the action execution of each task execution, and of each item of a with-items task', async () => {
    const view = async (id: string) => (await server().call('GET', `/executions/${id}/workflow`)).body as Json;
    const children = async (id: string) => (await server().call('GET', `/executions?parent=${id}`)).body as Json[];
    const seq = await ended((await run('wf_demo.sequence', { who: 'ops' })).id);
    const byTask = new Map((await children(seq.id)).map((c) => [c.context.workflow.task, c]));
    expect((await view(seq.id)).tasks.map((t: Json) => [t.name, t.execution_id, t.runner_type, t.items])).toEqual([
      ['greet', byTask.get('greet').id, 'local-shell-cmd', null],
      ['shout', byTask.get('shout').id, 'local-shell-cmd', null],
      ['done', byTask.get('done').id, 'noop', null],
    ]);

    const fan = await ended((await run('wf_demo.fanout')).id);
    const each = (await view(fan.id)).tasks.find((t: Json) => t.name === 'each');
    const items = (await children(fan.id)).filter((c) => c.context.workflow.task === 'each').sort((a, b) => a.context.workflow.item - b.context.workflow.item);
    expect(each.execution_id).toBeNull();
    expect(each.items).toEqual(items.map((c, i) => ({ item: i, status: 'succeeded', execution_id: c.id })));

    const nested = await ended((await run('wf_demo.nested')).id);
    const inner = (await view(nested.id)).tasks[0];
    expect(inner.runner_type).toBe('orquesta');
    expect((await view(inner.execution_id)).tasks.map((t: Json) => t.name)).toEqual(['greet', 'shout', 'done']);
  });

  it('the workflow graph has only the tasks as nodes: engine commands are attributes of their task, not nodes or edges', async () => {
    const failed = await ended((await run('wf_demo.remediate')).id);
    const view = (await server().call('GET', `/executions/${failed.id}/workflow`)).body as Json;
    expect(view.nodes.map((n: Json) => [n.name, n.status, n.commands])).toEqual([
      ['diagnose', 'succeeded', []],
      ['fix', 'failed', [{ command: 'noop', when: '<% succeeded() %>', on: null }]],
      ['page', 'succeeded', [{ command: 'fail', when: null, on: null }]],
    ]);
    expect(view.edges).toEqual([
      { from: 'diagnose', to: 'fix', when: '<% succeeded() %>', on: null },
      { from: 'fix', to: 'page', when: '<% failed() %>', on: null },
    ]);
    // A transition without `do` (Orquesta's implicit continue) is no edge either.
    const fan = await ended((await run('wf_demo.fanout')).id);
    const edges = ((await server().call('GET', `/executions/${fan.id}/workflow`)).body as Json).edges as Json[];
    expect(edges.filter((e) => e.from === 'joined')).toEqual([]);
    expect(new Set(edges.flatMap((e) => [e.from, e.to]))).toEqual(new Set(['each', 'left', 'right', 'joined']));
  });

  it('remediates: a failed fix pages a human and fails the workflow with Orquesta errors', async () => {
    const failed = await ended((await run('wf_demo.remediate')).id);
    expect(failed.status).toBe('failed');
    expect(failed.result.output).toEqual({ diagnosis: 'disk 97%', paged: true });
    expect(failed.result.errors).toContainEqual(expect.objectContaining({ type: 'error', task_id: 'fix' }));
    const fixed = await ended((await run('wf_demo.remediate', { fix_cmd: 'true' })).id);
    expect(fixed.status).toBe('succeeded');
    expect(fixed.result.output.paged).toBe(false);
  });

  it('runs a workflow as a task of another; its output is the task result', async () => {
    const done = await ended((await run('wf_demo.nested')).id);
    expect(done.status).toBe('succeeded');
    expect(done.result.output.inner).toEqual({ greeting: 'hello nested', loud: 'HELLO NESTED' });
  });

  it('pauses and resumes a workflow between tasks', async () => {
    const e = await run('wf_demo.sleepy');
    await until(async () => (await get(e.id)).status === 'running', 10_000, 'running');
    const paused = await server().call('POST', `/executions/${e.id}/pause`);
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(['pausing', 'paused']).toContain(paused.body.status);
    await until(async () => (await get(e.id)).status === 'paused', 10_000, 'paused');
    const view = (await server().call('GET', `/executions/${e.id}/workflow`)).body;
    expect(view.tasks.map((t: Json) => t.name)).toEqual(['first']);
    expect((await server().call('POST', `/executions/${e.id}/resume`)).status).toBe(200);
    const done = await ended(e.id);
    expect(done.status).toBe('succeeded');
    expect((await server().call('GET', `/executions/${e.id}/workflow`)).body.tasks.map((t: Json) => t.name)).toEqual(['first', 'second']);
  });

  it('cancels a workflow and its running task', async () => {
    const e = await run('wf_demo.sleepy');
    const child = await until(async () => ((await server().call('GET', `/executions?parent=${e.id}`)).body as Json[]).find((c) => c.status === 'running'), 10_000, 'a running task');
    const c = await server().call('DELETE', `/executions/${e.id}`);
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    const done = await ended(e.id);
    expect(done.status).toBe('canceled');
    expect((await get(child.id)).status).toBe('canceled');
  });

  it('refuses to pause an action that is not a workflow', async () => {
    const e = await run('core.local', { cmd: 'sleep 2' });
    await until(async () => (await get(e.id)).status === 'running', 10_000, 'running');
    const r = await server().call('POST', `/executions/${e.id}/pause`);
    expect([r.status, r.body.code]).toEqual([409, 'ILLEGAL_TRANSITION']);
  });

  it('rejects a pack whose workflow is invalid, naming line and column, and registers nothing', async () => {
    const r = await server().call('POST', '/packs/register', { path: join(fixtures, 'wf_broken') });
    expect([r.status, r.body.code]).toEqual([422, 'PACK_INVALID']);
    expect(r.body.faultstring).toMatch(/actions\/workflows\/bad\.yaml:6:\d+: .*succeeded/);
    expect(r.body.faultstring).toContain('missing_task');
    expect((await server().call('GET', '/packs/wf_broken')).status).toBe(404);
  });
});
