// A known secret — a `secret: true` parameter and a datastore secret — echoed back by node,
// Python, shell and remote (SSH) actions on stdout, stderr, logs, results and errors: no
// surface of the server shows it (API answers, stored output, server logs).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startServer, type RunningServer } from '../src/server.js';
import { until } from './helpers/server.js';
import { sshdOrSkipReason, type TestSshd } from '../bench/sshd.js';

const PARAM_SECRET = 'S3cretToken-9931';
const KV_SECRET = 'Kv-Secret-5521';
// A credential header typed into core.http's `headers` (not a secret parameter).
const HEADER_SECRET = 'Hdr-Key-7319';
const FIXTURES = join(import.meta.dirname, 'fixtures', 'python-packs');
const started = await sshdOrSkipReason(1);
const sshd: TestSshd | null = typeof started === 'string' ? null : started;

describe('secrets never leak', () => {
  let server: RunningServer;
  let home: string;
  const logs: string[] = [];
  const seen: string[] = [];
  const results: unknown[] = [];
  // Answers with the request headers it got, as httpbin's /headers does.
  const echo = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(req.headers)));

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { 'St2-Api-Key': server.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push(text);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function run(action: string, parameters: Record<string, unknown>) {
    const created = await call('POST', '/executions', { action, parameters });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const e = await until(async () => {
      const got = (await call('GET', `/executions/${id}`)).body;
      return ['succeeded', 'failed', 'timeout'].includes(got.status) ? got : undefined;
    }, 20_000, action);
    await call('GET', `/executions/${id}/output`);
    results.push(e.result);
    return e;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'squall-secrets-'));
    const config = loadConfig({ port: 0, logLevel: 'debug', db: join(home, 'squall.db'), pollSeconds: 1, packs: [join(FIXTURES, 'node_demo'), join(FIXTURES, 'kvstore'), join(import.meta.dirname, 'ssh', 'remote-pack')] }, { SQUALL_HOME: home });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    server = await startServer(config, pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }));
    expect((await call('PUT', '/keys/db_password', { value: KV_SECRET, secret: true })).status).toBeLessThan(300);
    // The answer to the PUT that stored it echoes the value to its author: not a leak.
    seen.length = 0;
  });
  afterAll(async () => {
    await server?.close();
    echo.closeAllConnections();
    await new Promise((r) => echo.close(r));
    await sshd?.stop();
    rmSync(home, { recursive: true, force: true });
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
    const s = sshd!;
    const e = await run('remote_test.show_args', {
      hosts: '127.0.0.1', username: s.user, private_key: s.userKey, port: s.port, known_hosts_file: s.knownHostsFile,
      dir: s.writable, token: PARAM_SECRET, first: 'a', second: 1,
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

  it('no API answer, stored output line or log line holds either secret', async () => {
    await call('GET', '/executions?limit=100');
    const everything = [...seen, ...logs].join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).toContain('********');
    expect(everything).not.toContain(PARAM_SECRET);
    expect(everything).not.toContain(KV_SECRET);
  });
});
