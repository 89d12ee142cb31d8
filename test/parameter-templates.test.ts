// Action parameters rendered as st2 renders live parameters, through the real server on both
// backends: Jinja in what a direct run is given (an http url reading st2kv, against a local
// HTTP server), defaults reading other parameters in dependency order, config_context from
// the pack config, casts to the declared types, a cycle refused naming its parameters — and
// what a rule or a workflow rendered already is never rendered again.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getExecution } from '../src/executions/service.js';
import { squall } from './helpers/cli.js';
import { describeServer, until } from './helpers/server.js';

type Json = any;
const PACK = join(import.meta.dirname, 'fixtures', 'packs', 'live_params');
const KV_TOKEN = 'Kv-Tok-8812';
const CONFIG_TOKEN = 'Cfg-Token-4471';
const PARAM_TOKEN = 'Tok-Secret-3391';
const TERMINAL = ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'];

describeServer('action parameters rendered at run time', (server) => {
  // The service the actions call: answers every request with its path, and keeps it.
  const seen: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
  const service = http.createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  });
  let base = '';
  let ottoKey = '';

  const post = (action: string, parameters: Json, key?: string) =>
    server().call('POST', '/executions', { action, parameters }, key ? { 'St2-Api-Key': key } : {});
  const ended = (id: string) => until(async () => {
    const e = (await server().call('GET', `/executions/${id}`)).body;
    return TERMINAL.includes(e.status) && e;
  }, 20_000, `execution ${id} to end`);
  const run = async (action: string, parameters: Json) => {
    const r = await post(action, parameters);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return ended(r.body.id);
  };

  beforeAll(async () => {
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
    const s = server();
    // The pack config as an operator writes it ($SQUALL_HOME/configs/ before the pack's own).
    mkdirSync(join(s.home, 'configs'), { recursive: true });
    writeFileSync(join(s.home, 'configs', 'live_params.yaml'), `api_url: ${base}\napi_token: ${CONFIG_TOKEN}\n`);
    expect((await s.call('POST', '/packs/register', { path: PACK })).status).toBe(201);
    for (const [name, body] of [['api_url', { value: base }], ['retries', { value: '5' }], ['tok', { value: KV_TOKEN, secret: true }]] as const) {
      expect((await s.call('PUT', `/keys/${name}`, body)).status).toBeLessThan(300);
    }
    expect((await s.call('POST', '/users', { username: 'otto', password: 'password-123' })).status).toBe(201);
    expect((await s.call('POST', '/rbac/assignments', { user: 'otto', role: 'operator' })).status).toBe(201);
    ottoKey = (await s.call('POST', '/apikeys', { user: 'otto' })).body.key;
    const hook = { type: 'core.st2.webhook', parameters: { url: 'params/relay' } };
    for (const [name, action] of [['to_echo', { ref: 'core.echo', parameters: { message: '{{ trigger.body.text }}' } }], ['to_chain', { ref: 'live_params.chain', parameters: { name: '{{ trigger.body.text }}' } }]] as const) {
      expect((await s.call('POST', '/rules', { name, pack: 'params', trigger: hook, criteria: {}, action })).status).toBe(201);
    }
  });
  afterAll(async () => {
    service.closeAllConnections();
    await new Promise((r) => service.close(r));
  });

  it('renders st2kv in a non-cmd parameter of a direct run (core.http url), as the user who starts it', async () => {
    const plain = await run('core.http', { url: '{{ st2kv.system.api_url }}/health' });
    expect(plain.status, JSON.stringify(plain.result)).toBe('succeeded');
    expect(plain.parameters.url).toBe(`${base}/health`);
    expect(plain.result.body).toEqual({ path: '/health' });
    // A decrypted secret reaches the service and shows as ******** in the parameters and the result.
    const secret = await run('core.http', { url: '{{ st2kv.system.api_url }}/t/{{ st2kv.system.tok | decrypt_kv }}' });
    expect(secret.status).toBe('succeeded');
    expect(seen.map((r) => r.url)).toContain(`/t/${KV_TOKEN}`);
    expect(secret.parameters.url).toBe(`${base}/t/********`);
    expect(secret.result.body).toEqual({ path: '/t/********' });
    // otto may run it but not decrypt system secrets: refused before it runs, naming the parameter.
    const refused = await post('core.http', { url: '{{ st2kv.system.api_url }}/t/{{ st2kv.system.tok | decrypt_kv }}' }, ottoKey);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('PARAMETERS_INVALID');
    expect(refused.body.faultstring).toMatch(/^parameters\.url: cannot render: .*user otto may not decrypt system\.tok/);
    // The CLI sends what it is given; the server renders it (the README's example).
    const cli = await squall(['run', 'core.http', `url={{ st2kv.system.api_url }}/cli`, '--json'], { SQUALL_HOME: server().home, SQUALL_URL: server().url! });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).parameters.url).toBe(`${base}/cli`);
  });

  it('renders defaults that read other parameters after them, and casts what it renders to the declared type', async () => {
    const e = await run('live_params.chain', { name: 'Ann', count: '{{ st2kv.system.retries }}', token: PARAM_TOKEN });
    expect(e.status).toBe('succeeded');
    expect(e.parameters).toEqual({ name: 'Ann', city: 'Lyon', place: 'LYON', greeting: 'Ann, LYON', count: 5, token: '********', auth: 'Bearer ********' });
    // The run gets the secret; only what is shown is masked.
    expect((await getExecution(server().executions, e.id)).parameters.auth).toBe(`Bearer ${PARAM_TOKEN}`);
    const bad = await post('live_params.chain', { name: 'Ann', count: '{{ name }}' });
    expect(bad.status).toBe(422);
    expect(bad.body.faultstring).toBe('parameters.count: expected integer, got "Ann"');
  });

  it('reads config_context: the pack config, resolved, its secret setting masked', async () => {
    const e = await run('live_params.probe', {});
    expect(e.status, JSON.stringify(e.result)).toBe('succeeded');
    expect(e.parameters.url).toBe(`${base}/v1/health`);
    expect(e.parameters.headers).toEqual({ 'X-Token': '********' });
    const request = seen.find((r) => r.url === '/v1/health')!;
    expect(request.headers['x-token']).toBe(CONFIG_TOKEN);
  });

  it('refuses parameters whose templates read each other, naming them', async () => {
    const r = await post('live_params.loop', {});
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('PARAMETERS_INVALID');
    expect(r.body.faultstring).toBe('parameters.first: its template is part of a cycle: first → second → first; '
      + 'parameters.second: its template is part of a cycle: first → second → first');
  });

  it('never renders again what a rule rendered: a trigger payload holding {{ }} stays text; defaults still render', async () => {
    const text = '{{ action_context.user }} {{ x }}';
    expect((await server().call('POST', '/webhooks/params/relay', { text })).status).toBe(202);
    const enforcements = await until(async () => {
      const list = ((await server().call('GET', '/ruleenforcements?limit=100')).body as Json[]).filter((x) => x.rule_ref.startsWith('params.'));
      return list.length === 2 && list;
    }, 20_000, 'both rules');
    const byRule = Object.fromEntries(await Promise.all(enforcements.map(async (x: Json) => [x.rule_ref, await ended(x.execution_id)])));
    expect(byRule['params.to_chain'].parameters).toMatchObject({ name: text, greeting: `${text}, LYON` });
    expect(byRule['params.to_echo'].result.stdout).toBe(text);
  });

  it('never renders again what a workflow rendered, and renders the task action\'s defaults', async () => {
    const wf = await run('live_params.relay', { text: '{% raw %}{{ action_context.user }}{% endraw %}' });
    expect(wf.status, JSON.stringify(wf.result)).toBe('succeeded');
    expect(wf.parameters.text).toBe('{{ action_context.user }}');
    const [task] = (await server().call('GET', `/executions?parent=${wf.id}`)).body as Json[];
    expect(task.parameters).toMatchObject({ name: '{{ action_context.user }}', greeting: '{{ action_context.user }}, LYON' });
  });
});
