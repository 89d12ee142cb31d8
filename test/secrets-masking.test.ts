// A known secret — a `secret: true` parameter (and core.remote's private_key) and a datastore
// secret — echoed back by node, Python, shell and remote (SSH) actions on stdout, stderr, logs,
// results and errors, passed on by rules (the action trigger, the notify trigger, a decrypted
// key rendered into a rule's action): no output surface of the server shows it. One test reads
// them all: API answers (executions, output lines, trigger instances, rule enforcements, audit),
// the SSE stream, CLI output and the server log.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { squall } from './helpers/cli.js';
import { startTestServer, until, type TestServer } from './helpers/server.js';
import { sshdOrSkipReason, type TestSshd } from '../bench/sshd.js';

const PARAM_SECRET = 'S3cretToken-9931';
const KV_SECRET = 'Kv-Secret-5521';
// A credential header typed into core.http's `headers` (not a secret parameter).
const HEADER_SECRET = 'Hdr-Key-7319';
const FIXTURES = join(import.meta.dirname, 'fixtures', 'python-packs');
const started = await sshdOrSkipReason(1);
const sshd: TestSshd | null = typeof started === 'string' ? null : started;

// The actions whose finish the echo rule repeats: each must reach it masked.
const WATCHED = /^(node_demo\.leak|kvstore\.reveal|core\.local|remote_test\.show_args)$/;
const TERMINAL = ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'];

interface Execution {
  id: string;
  action: string;
  status: string;
  parameters: Record<string, unknown>;
  result: any;
}

describe('secrets never leak', () => {
  let s: TestServer;
  const logs: string[] = [];
  const seen: string[] = [];
  let sse = '';
  let stream: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const results: unknown[] = [];
  // Answers with the request headers it got, as httpbin's /headers does.
  const echo = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(req.headers)));

  async function call(method: string, path: string, body?: unknown) {
    const r = await s.call(method, path, body);
    seen.push(JSON.stringify(r.body));
    return r;
  }
  async function cli(...args: string[]) {
    const r = await squall(args, { SQUALL_HOME: s.home });
    expect(r.code, `squall ${args.join(' ')}: ${r.stderr}`).toBe(0);
    seen.push(r.stdout + r.stderr);
    return r.stdout;
  }
  const finished = async (id: string) => {
    const e = (await call('GET', `/executions/${id}`)).body as Execution;
    return TERMINAL.includes(e.status) ? e : undefined;
  };

  async function run(action: string, parameters: Record<string, unknown>): Promise<Execution> {
    const created = await call('POST', '/executions', { action, parameters });
    expect(created.status).toBe(201);
    const e = await until(() => finished(created.body.id), 20_000, action);
    await call('GET', `/executions/${e.id}/output`);
    results.push(e.result);
    return e;
  }

  const rule = (name: string, trigger: Record<string, unknown>, action: Record<string, unknown>, criteria = {}) =>
    call('POST', '/rules', { name, pack: 'secrets', trigger, criteria, action }).then((r) => expect(r.status, JSON.stringify(r.body)).toBe(201));

  beforeAll(async () => {
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    s = await startTestServer('sqlite', { logLevel: 'debug', packs: [join(FIXTURES, 'node_demo'), join(FIXTURES, 'kvstore'), join(import.meta.dirname, 'ssh', 'remote-pack')] },
      pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }));
    expect((await s.call('PUT', '/keys/db_password', { value: KV_SECRET, secret: true })).status).toBeLessThan(300);
    // Rules pass the executions' parameters on: through the action trigger, the notify
    // trigger, and a decrypted datastore key rendered into an action (the admin may decrypt).
    await rule('echo_params', { type: 'core.st2.generic.actiontrigger' }, { ref: 'core.echo', parameters: { message: 'params {{ trigger.parameters }}' } },
      { 'trigger.action_ref': { type: 'regex', pattern: WATCHED.source } });
    await rule('echo_notify', { type: 'core.st2.generic.notifytrigger' }, { ref: 'core.echo', parameters: { message: 'notify {{ trigger.message }} {{ trigger.data }}' } });
    const hook = { type: 'core.st2.webhook', parameters: { url: 'secrets/kv' } };
    await rule('kv_into_cmd', hook, { ref: 'core.local', parameters: { cmd: "echo {{ st2kv('system.db_password', decrypt=true) }}" } });
    await rule('kv_into_secret', hook, { ref: 'node_demo.leak', parameters: { token: "{{ st2kv('system.db_password', decrypt=true) }}" } });
    const res = await fetch(`${s.url}/api/v1/stream`, { headers: { 'St2-Api-Key': s.apiKey } });
    stream = res.body!.getReader();
    const reader = stream;
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        sse += new TextDecoder().decode(value);
      }
    })().catch(() => undefined);
  });
  afterAll(async () => {
    await stream?.cancel();
    await s?.stop();
    await sshd?.stop();
    echo.closeAllConnections();
    await new Promise((r) => echo.close(r));
  });

  it('node: echoed on stdout/stderr/logger and thrown in the error', async () => {
    const e = await run('node_demo.leak', { token: PARAM_SECRET });
    expect(e.status).toBe('failed');
    expect(e.result.error).toBe('failing with ******** and ********');
    expect(e.parameters.token).toBe('********');
  });

  it('python: printed, logged and returned (nested) by a StackStorm action', async () => {
    const e = await run('kvstore.reveal', { key: 'db_password', password: PARAM_SECRET });
    expect(e.status).toBe('succeeded');
    expect(e.result.result).toEqual({ secret: '********', password: '********', nested: ['x********'] });
    expect(e.result.stdout).toBe('the secret is ******** and the password ********');
  });

  it('shell: a datastore secret rendered into a command is masked in its output', async () => {
    const e = await run('core.local', { cmd: `echo "kv=${KV_SECRET}"; echo ${KV_SECRET} >&2` });
    expect(e.result.stdout).toBe('kv=********');
    expect(e.result.stderr).toBe('********');
  });

  it.skipIf(!sshd)('remote: a secret script parameter echoed from the remote host', async () => {
    const h = sshd!;
    const e = await run('remote_test.show_args', {
      hosts: '127.0.0.1', username: h.user, private_key: h.userKey, port: h.port, known_hosts_file: h.knownHostsFile,
      dir: h.writable, token: PARAM_SECRET, first: 'a', second: 1,
    });
    expect(e.status).toBe('succeeded');
    expect(e.result['127.0.0.1'].stdout).toContain('token-from-env:********');
    expect(e.parameters.private_key).toBe('********');
  });

  it('http: a bearer token and credential headers echoed back by the server are masked in the result', async () => {
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/`;
    const e = await run('core.http', { url, bearer_token: PARAM_SECRET, headers: { 'X-Api-Key': HEADER_SECRET } });
    expect(e.status).toBe('succeeded');
    expect(e.result.body).toMatchObject({ authorization: '********', 'x-api-key': '********' });
    expect(e.parameters.bearer_token).toBe('********');
    const token = await run('core.http', { url, auth: `x-auth-token=${HEADER_SECRET}` });
    expect(token.result.body).toMatchObject({ 'x-auth-token': '********' });
    expect(token.parameters.auth).toBe('********');
    // The header typed into `headers` is no secret parameter: the API shows the parameters as
    // given (as st2 does), but neither the result nor a log line holds it.
    expect(JSON.stringify([...results, ...logs])).not.toContain(HEADER_SECRET);
  });

  it('rules: a decrypted datastore key rendered into a rule\'s action parameters', async () => {
    expect((await call('POST', '/webhooks/secrets/kv', {})).status).toBe(202);
    const enforcements = await until(async () => {
      const list = ((await call('GET', '/ruleenforcements?limit=1000')).body as Array<{ rule_ref: string; execution_id: string | null; details: { parameters?: Record<string, unknown> } }>)
        .filter((x) => x.rule_ref.startsWith('secrets.kv_into_'));
      return list.length === 2 && list;
    }, 20_000, 'the webhook rules');
    expect(enforcements.map((x) => x.details.parameters).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))
      .toEqual([{ cmd: 'echo ********' }, { token: '********' }]);
    for (const x of enforcements) await until(() => finished(x.execution_id!), 20_000, x.rule_ref);
  });

  it('no output surface holds either secret: API, stream, CLI, audit, server log', async () => {
    // Every watched execution's action trigger decided by the echo rule, every echo (and the
    // notify echo) finished: their parameters and output are the secret's last hiding places.
    const executions = async () => (await call('GET', '/executions?limit=1000')).body as Execution[];
    const sources = (await executions()).filter((e) => WATCHED.test(e.action));
    await until(async () => {
      const instances = (await call('GET', '/triggerinstances?trigger_type=core.st2.generic.actiontrigger&limit=1000')).body as Array<{ id: string; payload: { execution_id: string } }>;
      const decided = new Set(((await call('GET', '/ruleenforcements?rule=secrets.echo_params&limit=1000')).body as Array<{ trigger_instance_id: string }>).map((x) => x.trigger_instance_id));
      const all = await executions();
      const echoes = all.filter((e) => e.action === 'core.echo');
      return sources.every((src) => instances.some((i) => i.payload.execution_id === src.id && decided.has(i.id)))
        && echoes.length > sources.length && echoes.every((e) => TERMINAL.includes(e.status));
    }, 30_000, 'the echo rules');
    for (const e of await executions()) {
      await call('GET', `/executions/${e.id}`);
      await call('GET', `/executions/${e.id}/output`);
    }
    const leak = sources.find((e) => e.action === 'node_demo.leak')!;
    const instance = ((await call('GET', '/triggerinstances?limit=1000')).body as Array<{ id: string; payload: { execution_id?: string } }>)
      .find((i) => i.payload.execution_id === leak.id)!;
    await call('GET', `/triggerinstances/${instance.id}`);
    await call('GET', '/triggerinstances?trigger_type=core.st2.generic.notifytrigger');
    await call('GET', '/audit?limit=1000');
    await cli('execution', 'list', '-n', '100');
    await cli('execution', 'get', leak.id, '--json');
    await cli('trigger-instance', 'list');
    await cli('trigger-instance', 'get', instance.id);
    await cli('rule-enforcement', 'list', '--json');
    await cli('audit', 'list', '-n', '1000', '--json');
    expect(sse).toContain('st2.execution__update');
    expect(sse).toContain('st2.execution.output__create');
    const everything = [...seen, sse, ...logs].join('\n');
    expect(everything).toContain('********');
    expect(everything).toContain('core.st2.generic.notifytrigger');
    const secrets = [PARAM_SECRET, KV_SECRET, ...(sshd ? sshd.userKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')) : [])];
    for (const secret of secrets) expect(everything.includes(secret), `${secret.slice(0, 12)}… on some surface`).toBe(false);
  });
});
