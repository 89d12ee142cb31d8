import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveParameters } from '../executions/parameters.js';
import type { Action } from '../packs/model.js';
import { httpRunner } from './http.js';
import { makeAction, makeContext } from './test-helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const runner = httpRunner();
let server: http.Server;
let base: string;
const seen: Seen[] = [];

// A real server on 127.0.0.1 with one route per behaviour under test.
function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
  const url = new URL(req.url!, 'http://x');
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(value));
  };
  switch (url.pathname) {
    case '/json':
      return json(200, { ok: true, query: Object.fromEntries(url.searchParams), method: req.method });
    case '/echo':
      return json(200, { body, type: req.headers['content-type'] ?? null, method: req.method });
    case '/text':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end('plain text');
    case '/bad-json':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end('{not json');
    case '/status':
      return json(Number(url.searchParams.get('code')), { error: 'as asked' });
    case '/auth':
      if (req.headers.authorization === `Basic ${Buffer.from('alice:pa ss').toString('base64')}`) return json(200, { user: 'alice' });
      res.writeHead(401, { 'WWW-Authenticate': 'Basic' });
      return void res.end('who are you');
    case '/redirect':
      res.writeHead(Number(url.searchParams.get('code') ?? 302), { Location: '/echo' });
      return void res.end();
    case '/slow':
      setTimeout(() => json(200, { late: true }), 3_000).unref();
      return;
    default:
      res.writeHead(404);
      res.end();
  }
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// core.http's action parameters (packs/core/actions/http.yaml), plus a form body for the runner.
const coreHttp = makeAction({
  pack: 'core',
  name: 'http',
  runner_type: 'http-request',
  parameters: {
    auth: { type: 'string' },
    body: { type: 'string' },
    headers: { type: 'object' },
    method: { type: 'string', enum: ['HEAD', 'GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PURGE'] },
    params: { type: 'object' },
    timeout: { type: 'number', default: 60 },
  },
});

function request(parameters: Record<string, unknown>, action: Action = coreHttp) {
  const ctx = makeContext({ action, parameters: resolveParameters(action, runner, parameters) });
  return { ctx, done: runner.run(ctx) };
}

describe('http-request', () => {
  it('GETs JSON: parsed body, status, headers as sent, query params, st2 tracing headers', async () => {
    const out = await request({ url: `${base}/json?a=1`, params: { b: 'two words' } }).done;
    expect(out.status).toBe('succeeded');
    expect(out.result).toMatchObject({
      status_code: 200,
      parsed: true,
      body: { ok: true, query: { a: '1', b: 'two words' }, method: 'GET' },
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    const last = seen.at(-1)!;
    expect(last.headers['user-agent']).toMatch(/^squall\/v/);
    expect(last.headers['x-stanley-action']).toBe('http');
  });

  it('POSTs a JSON body (method defaults to POST when there is a body)', async () => {
    const out = await request({ url: `${base}/echo`, body: '{"name": "x", "n": 1}', headers: { 'Content-Type': 'application/json' } }).done;
    expect(out.result).toMatchObject({ status_code: 200, body: { body: '{"name":"x","n":1}', type: 'application/json', method: 'POST' } });
  });

  it('sends an object body as a form', async () => {
    const action = makeAction({ runner_type: 'http-request', parameters: { body: { type: 'object' }, method: { type: 'string' } } });
    const out = await request({ url: `${base}/echo`, method: 'PUT', body: { a: 'b c', d: '&' } }, action).done;
    expect(out.result).toMatchObject({ body: { body: 'a=b+c&d=%26', type: 'application/x-www-form-urlencoded', method: 'PUT' } });
  });

  it('uploads file_content as multipart/form-data named file_name (st2 file upload)', async () => {
    const action = makeAction({ runner_type: 'http-request', parameters: { file_name: { type: 'string' }, file_content: { type: 'string' }, file_content_type: { type: 'string' } } });
    const out = await request({ url: `${base}/echo`, file_name: 'notes.txt', file_content: 'line 1\nline 2', file_content_type: 'text/plain' }, action).done;
    const echoed = (out.result as { body: { body: string; type: string; method: string } }).body;
    expect(echoed.method).toBe('POST');
    const boundary = /^multipart\/form-data; boundary=(\S+)$/.exec(echoed.type)![1];
    expect(echoed.body).toBe(`--${boundary}\r\nContent-Disposition: form-data; name="notes.txt"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nline 1\nline 2\r\n--${boundary}--\r\n`);
  });

  it('keeps a non-JSON body as text, parsed false', async () => {
    expect((await request({ url: `${base}/text` }).done).result).toMatchObject({ status_code: 200, body: 'plain text', parsed: false });
    expect((await request({ url: `${base}/bad-json` }).done).result).toMatchObject({ body: '{not json', parsed: false });
  });

  it('sends basic auth from username and password', async () => {
    const ok = await request({ url: `${base}/auth`, username: 'alice', password: 'pa ss' }).done;
    expect(ok).toMatchObject({ status: 'succeeded', result: { body: { user: 'alice' } } });
    const denied = await request({ url: `${base}/auth` }).done;
    expect(denied).toMatchObject({ status: 'failed', result: { status_code: 401, body: 'who are you' } });
  });

  it('sends the auth string as a header, and cookies', async () => {
    await request({ url: `${base}/json`, auth: 'x-auth-token=XYZ', cookies: { a: '1', b: '2' } }).done;
    expect(seen.at(-1)!.headers).toMatchObject({ 'x-auth-token': 'XYZ', cookie: 'a=1; b=2' });
  });

  it('fails on 4xx, 5xx and statuses past 206, as st2', async () => {
    for (const code of [400, 404, 500, 503, 207]) {
      const out = await request({ url: `${base}/status?code=${code}` }).done;
      expect(out).toMatchObject({ status: 'failed', result: { status_code: code } });
    }
    expect((await request({ url: `${base}/status?code=204` }).done).status).toBe('succeeded');
  });

  it('returns the redirect itself unless allow_redirects, then follows it (303 becomes GET)', async () => {
    const stay = await request({ url: `${base}/redirect` }).done;
    expect(stay).toMatchObject({ status: 'failed', result: { status_code: 302, headers: { Location: '/echo' } } });
    const follow = await request({ url: `${base}/redirect?code=303`, method: 'POST', body: 'x=1', allow_redirects: true }).done;
    expect(follow).toMatchObject({ status: 'succeeded', result: { status_code: 200, body: { method: 'GET', body: '' } } });
    const keep = await request({ url: `${base}/redirect?code=307`, method: 'POST', body: 'x=1', allow_redirects: true }).done;
    expect(keep).toMatchObject({ result: { body: { method: 'POST', body: 'x=1' } } });
  });

  it('ends timeout when the server is too slow', async () => {
    const started = Date.now();
    const out = await request({ url: `${base}/slow`, timeout: 0.3 }).done;
    expect(out.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('is canceled through the signal', async () => {
    const { ctx, done } = request({ url: `${base}/slow` });
    setTimeout(() => ctx.abort.abort(), 100);
    expect((await done).status).toBe('canceled');
  });

  it('fails with an error when nothing listens, or the host is blacklisted', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await request({ url: `http://127.0.0.1:${port}/` }).done;
    expect(refused).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/ECONNREFUSED/) } });
    const black = await request({ url: `${base}/json`, url_hosts_blacklist: ['127.0.0.1'] }).done;
    expect(black).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/blacklisted/) } });
    const white = await request({ url: `${base}/json`, url_hosts_whitelist: ['example.com'] }).done;
    expect(white).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/not whitelisted/) } });
  });

  it('verifies certificates unless verify_ssl_cert is false', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'squall-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const tls = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"secure": true}');
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/`;
      const verified = await request({ url }).done;
      expect(verified).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/self[- ]signed/i) } });
      const unverified = await request({ url, verify_ssl_cert: false }).done;
      expect(unverified).toMatchObject({ status: 'succeeded', result: { body: { secure: true }, parsed: true } });
    } finally {
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
