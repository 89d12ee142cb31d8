// The `squall` CLI end to end: a real server, the built CLI as a child process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { spawnServer } from '../bench/server-process.js';
import { squall } from './helpers/cli.js';
import { describeServer, until } from './helpers/server.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'packs');
type Json = any;

describeServer('squall CLI', (server) => {
  // The CLI finds the URL and the admin key in $SQUALL_HOME/credentials, like a user's shell.
  const sq = (...args: string[]) => squall(args, { SQUALL_HOME: server().home });

  it('runs an action and prints one JSON document with --json; exit code follows the status', async () => {
    const ok = await sq('run', 'core.local', 'cmd=echo from-cli', '--json');
    expect(ok.code).toBe(0);
    const e = JSON.parse(ok.stdout);
    expect(e).toMatchObject({ action: 'core.local', status: 'succeeded', parameters: { cmd: 'echo from-cli' }, result: { stdout: 'from-cli' } });
    expect(e).toHaveProperty('start_timestamp');
    expect(e).toHaveProperty('end_timestamp');
    const bad = await sq('run', 'core.local', 'cmd=exit 2', '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).status).toBe('failed');
  });

  it('shows live output and the result for people', async () => {
    const r = await sq('run', 'core.local', 'cmd=echo line-1; echo line-2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('line-1\nline-2\n');
    expect(r.stdout).toMatch(/status\s+succeeded/);
  });

  it('coerces key=value strings by the action schema and reports bad ones in one line', async () => {
    const ok = await sq('run', 'core.local', 'cmd=true', 'timeout=5', '--json');
    expect(JSON.parse(ok.stdout).parameters.timeout).toBe(5);
    const bad = await sq('run', 'core.local', 'cmd=true', 'timeout=abc');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*timeout/);
    expect(bad.stderr).toContain('hint:');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('lists, gets, re-runs and cancels executions', { timeout: 120_000 }, async () => {
    const first = JSON.parse((await sq('run', 'core.local', 'cmd=echo again', '--json')).stdout);
    const list = JSON.parse((await sq('execution', 'list', '--action', 'core.local', '-n', '5', '--json')).stdout);
    expect(list[0].id).toBe(first.id);
    const table = await sq('execution', 'list', '-n', '3');
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+ACTION\s+STATUS/);
    expect(JSON.parse((await sq('execution', 'get', first.id, '--json')).stdout).result.stdout).toBe('again');
    const rerun = JSON.parse((await sq('execution', 're-run', first.id, 'cmd=echo changed', '--json')).stdout);
    expect(rerun.result.stdout).toBe('changed');
    const started = JSON.parse((await sq('run', 'core.local', 'cmd=sleep 30', '--async', '--json')).stdout);
    const canceled = await sq('execution', 'cancel', started.id, '--json');
    expect(['canceling', 'canceled']).toContain(JSON.parse(canceled.stdout).status);
    const tail = await sq('execution', 'tail', started.id, '--json');
    expect(JSON.parse(tail.stdout).status).toBe('canceled');
  });

  it('re-runs a failed workflow from its failed task; an unknown task is refused in one line', { timeout: 120_000 }, async () => {
    expect((await sq('pack', 'register', join(fixtures, 'wf_demo'))).code).toBe(0);
    const marker = join(server().home, 'deploy-ready');
    const failed = await sq('run', 'wf_demo.deploy', `marker=${marker}`, '--json');
    expect(failed.code).toBe(1);
    const id = JSON.parse(failed.stdout).id;
    const unknown = await sq('execution', 're-run', id, '--tasks', 'check,nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: .*no task named nope/);
    writeFileSync(marker, 'ready');
    const again = await sq('execution', 're-run', id, '--tasks', 'check', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'succeeded', context: { rerun_of: id }, result: { output: { shipped: 'shipping build-42' } } });
  });

  it('registers, lists and removes packs; a broken pack names file, line and field', async () => {
    const reg = await sq('pack', 'register', join(fixtures, 'policies_demo'));
    expect(reg.code, reg.stderr).toBe(0);
    expect(reg.stdout).toContain('registered pack policies_demo');
    expect((await sq('pack', 'list')).stdout).toContain('policies_demo');
    expect(JSON.parse((await sq('action', 'list', '--pack', 'policies_demo', '--json')).stdout).map((a: { ref: string }) => a.ref).sort())
      .toEqual(['policies_demo.flaky', 'policies_demo.script', 'policies_demo.slow']);
    const broken = await sq('pack', 'register', join(fixtures, 'broken', 'unknown-runner'));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^error: \S+\.yaml:\d+/);
    expect((await sq('pack', 'remove', 'policies_demo')).code).toBe(0);
    expect((await sq('action', 'get', 'policies_demo.slow')).stderr).toContain('no action named policies_demo.slow');
  });

  it('reports server status with every work queue: ready, delayed and leased jobs', { timeout: 60_000 }, async () => {
    const s = JSON.parse((await sq('status', '--json')).stdout);
    expect(s).toMatchObject({ version: expect.any(String), store: expect.any(String), roles: expect.arrayContaining(['api', 'scheduler']) });
    const queues = ['executions', 'trigger-instances', 'timeouts', 'inquiry-ttl'];
    expect(Object.keys(s.queues)).toEqual(expect.arrayContaining(queues));
    for (const q of queues) expect(s.queues[q]).toEqual({ ready: expect.any(Number), delayed: expect.any(Number), leased: expect.any(Number) });

    // At most one policies_demo.slow runs at a time: the first holds its lease, the second waits, delayed.
    expect((await server().call('POST', '/packs/register', { path: join(fixtures, 'policies_demo') })).status).toBe(201);
    const slow = await Promise.all([0, 1].map(async () => (await server().call('POST', '/executions', { action: 'policies_demo.slow', parameters: { cmd: 'sleep 30' } })).body as Json));
    const executions = async () => (await server().call('GET', '/status')).body.queues.executions as Json;
    await until(async () => {
      const q = await executions();
      return q.leased >= 1 && q.delayed >= 1;
    }, 20_000, 'one execution leased and one delayed');
    const table = (await sq('status')).stdout;
    expect(table).toMatch(/^roles\s+api,scheduler,/m);
    expect(table).toMatch(/^QUEUE\s+READY\s+DELAYED\s+LEASED$/m);
    for (const q of queues) expect(table).toMatch(new RegExp(`^${q}\\s+\\d+\\s+\\d+\\s+\\d+$`, 'm'));
    for (const e of slow) await server().call('DELETE', `/executions/${e.id}`);
    await until(async () => {
      const q = await executions();
      return q.leased === 0 && q.delayed === 0 && q.ready === 0;
    }, 20_000, 'the executions queue to empty');
  });
});

it('starts a node from flags: runner is the scheduler role, --body-limit-mb bounds request bodies', { timeout: 60_000 }, async () => {
  const refused = await squall(['server', '--roles', 'api,runners'], { SQUALL_HOME: '/nonexistent' });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('error: configuration roles.1: must be one of api, scheduler (or runner), workflow, rules, sensors, timers (got "runners")');

  const node = await spawnServer({ extraArgs: ['--roles', 'api,runner', '--body-limit-mb', '0.01'] });
  try {
    const call = (path: string, body?: unknown) => fetch(`${node.url}/api/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'St2-Api-Key': node.apiKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(((await (await call('/status')).json()) as Json).roles).toEqual(['api', 'scheduler']);
    const big = await call('/executions', { action: 'core.echo', parameters: { message: 'x'.repeat(20_000) } });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // The runner role runs what is requested.
    const ran = await squall(['run', 'core.echo', 'message=small', '--json'], { SQUALL_HOME: node.home });
    expect(ran.code, ran.stdout).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ status: 'succeeded', result: { stdout: 'small' } });
  } finally {
    await node.stop();
  }
});

it('says in one line that the server is unreachable', async () => {
  const r = await squall(['execution', 'list'], { SQUALL_URL: 'http://127.0.0.1:9', SQUALL_API_KEY: 'x', SQUALL_HOME: '/nonexistent' });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^error: cannot reach the Squall server at http:\/\/127\.0\.0\.1:9/);
  expect(r.stderr.trim().split('\n')).toHaveLength(2);
});
