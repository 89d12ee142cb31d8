import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type AddressInfo, type Socket } from 'node:net';
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
      res.writeHead(Number(url.searchParams.get('code') ?? 302), { Location: url.searchParams.get('to') ?? '/echo' });
      return void res.end();
    case '/headers':
      return json(200, req.headers);
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

  it('ends timeout when the server is too slow, without waiting for its answer', async () => {
    const out = await request({ url: `${base}/slow`, timeout: 0.3 }).done;
    expect(out.status).toBe('timeout');
    // /slow answers 200 after 3 s: a result with a status code would mean the runner waited for it.
    expect(out.result).not.toHaveProperty('status_code');
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

  it('sends a bearer token; refuses it together with basic auth', async () => {
    const out = await request({ url: `${base}/headers`, bearer_token: 'tok-123456' }).done;
    expect(out).toMatchObject({ status: 'succeeded', result: { body: { authorization: 'Bearer tok-123456' } } });
    const both = await request({ url: `${base}/headers`, bearer_token: 'tok-123456', username: 'alice', password: 'pw' }).done;
    expect(both).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/"bearer_token" and "username"\/"password" are mutually exclusive/) } });
  });

  it('checks every redirect hop against the host lists: a redirect to a forbidden host fails naming it, unsent', async () => {
    const port = new URL(base).port;
    const to = (target: string) => `${base}/redirect?to=${encodeURIComponent(target)}`;
    const followed = await request({ url: to(`http://localhost:${port}/json?via=redirect`), allow_redirects: true }).done;
    expect(followed).toMatchObject({ status: 'succeeded', result: { body: { query: { via: 'redirect' } } } });
    const before = seen.length;
    const black = await request({ url: to(`http://localhost:${port}/json?via=black`), allow_redirects: true, url_hosts_blacklist: ['localhost'] }).done;
    expect(black).toMatchObject({ status: 'failed', result: { error: expect.stringContaining(`refused: URL "http://localhost:${port}/json?via=black" is blacklisted (host "localhost")`) } });
    const white = await request({ url: to(`http://localhost:${port}/json?via=white`), allow_redirects: true, url_hosts_whitelist: ['127.0.0.1'] }).done;
    expect(white).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/is not whitelisted \(host "localhost"\)/) } });
    const file = await request({ url: to('file:///etc/passwd'), allow_redirects: true }).done;
    expect(file).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/URL "file:\/\/\/etc\/passwd" must be http or https/) } });
    // Only the three redirecting requests reached a server; no forbidden hop was sent.
    expect(seen.slice(before).map((r) => r.url.split('?')[0])).toEqual(['/redirect', '/redirect', '/redirect']);
  });

  it('drops the credentials headers on a redirect to another host', async () => {
    const port = new URL(base).port;
    const out = await request({ url: `${base}/redirect?to=${encodeURIComponent(`http://localhost:${port}/headers`)}`, allow_redirects: true, auth: 'x-auth-token=XYZ-1234', bearer_token: undefined }).done;
    const echoed = (out.result as { body: Record<string, string> }).body;
    expect(echoed.host).toBe(`localhost:${port}`);
    expect(echoed['x-auth-token']).toBeUndefined();
    const same = await request({ url: `${base}/redirect?to=/headers`, allow_redirects: true, auth: 'x-auth-token=XYZ-1234' }).done;
    expect((same.result as { body: Record<string, string> }).body['x-auth-token']).toBe('XYZ-1234');
  });

  it('marks every credential it sends as a secret of the execution, and never shows a URL password', async () => {
    const secrets: unknown[] = [];
    const action = coreHttp;
    const parameters = resolveParameters(action, runner, {
      url: `http://bob:url-pass-77@127.0.0.1:1/`, bearer_token: 'tok-abcdef', headers: { 'X-Api-Key': 'key-99999', Accept: 'text/plain' },
    });
    const out = await runner.run(makeContext({ action, parameters, addSecret: (v) => secrets.push(v) }));
    expect(secrets).toEqual(expect.arrayContaining(['Bearer tok-abcdef', 'tok-abcdef', 'key-99999', 'url-pass-77']));
    expect(secrets).not.toContain('text/plain');
    expect(out.status).toBe('failed');
    expect(JSON.stringify(out.result)).not.toContain('url-pass-77');
    expect((out.result as { error: string }).error).toMatch(/^request to http:\/\/bob:\*{8}@127\.0\.0\.1:1\/ failed/);
  });
});

// A CA of this test run and a server certificate it signed (localhost, 127.0.0.1), made by openssl.
function makeTestCa(dir: string): { caFile: string; key: Buffer; cert: Buffer } {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.error) throw new Error(`the TLS tests need openssl on PATH (apt-get install openssl): ${r.error.message}`);
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Squall Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'server.pem', '-extfile', 'server.ext']);
  return { caFile: path.join(dir, 'ca.pem'), key: readFileSync(path.join(dir, 'server.key')), cert: readFileSync(path.join(dir, 'server.pem')) };
}

describe('http-request over TLS and through proxies', () => {
  let dir: string;
  let caFile: string;
  let tls: https.Server;
  let tlsUrl: string;
  let proxy: http.Server;
  let proxyUrl: string;
  const proxied: string[] = [];
  // Tunnels leave the proxy's HTTP server (closeAllConnections does not see them).
  const tunnels = new Set<Socket>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'squall-tls-'));
    const made = makeTestCa(dir);
    caFile = made.caFile;
    tls = https.createServer({ key: made.key, cert: made.cert }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"secure": true}');
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    tlsUrl = `https://localhost:${(tls.address() as AddressInfo).port}/`;
    // A real forward proxy: absolute-URL requests for http, CONNECT tunnels for https; it
    // wants the credentials of its URL.
    const wanted = `Basic ${Buffer.from('proxy-user:proxy pw').toString('base64')}`;
    proxy = http.createServer((req, res) => {
      if (req.headers['proxy-authorization'] !== wanted) return void res.writeHead(407).end();
      proxied.push(`${req.method} ${req.url}`);
      const upstream = http.request(req.url!, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    proxy.on('connect', (req: http.IncomingMessage, client: Socket) => {
      if (req.headers['proxy-authorization'] !== wanted) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      proxied.push(`CONNECT ${req.url}`);
      tunnels.add(client);
      const [host, port] = req.url!.split(':');
      const upstream = connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://proxy-user:proxy%20pw@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const t of tunnels) t.destroy();
    for (const s of [tls, proxy]) {
      s?.closeAllConnections();
      await new Promise((r) => (s ? s.close(r) : r(null)));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies with the system CAs by default, with a CA bundle file given as verify_ssl_cert, or not at all', async () => {
    const system = await request({ url: tlsUrl }).done;
    expect(system).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/self[- ]signed certificate in certificate chain|unable to (get|verify)/i) } });
    const bundle = await request({ url: tlsUrl, verify_ssl_cert: caFile }).done;
    expect(bundle).toMatchObject({ status: 'succeeded', result: { body: { secure: true }, parsed: true } });
    // The CLI's verify_ssl_cert=false arrives as text: it is the boolean, not a file name.
    for (const off of [false, 'false', 'False']) {
      expect((await request({ url: tlsUrl, verify_ssl_cert: off }).done).status).toBe('succeeded');
    }
    expect((await request({ url: tlsUrl, verify_ssl_cert: 'true' }).done).status).toBe('failed');
  });

  it('refuses a CA bundle it cannot read, or one holding no certificate, naming the file', async () => {
    const missing = await request({ url: tlsUrl, verify_ssl_cert: path.join(dir, 'nope.pem') }).done;
    expect(missing).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/^verify_ssl_cert: cannot read the CA bundle .*nope\.pem: ENOENT/) } });
    const notPem = await request({ url: tlsUrl, verify_ssl_cert: path.join(dir, 'server.ext') }).done;
    expect(notPem).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/server\.ext holds no PEM certificate/) } });
  });

  it('sends http through http_proxy and tunnels https through https_proxy, with the proxy credentials', async () => {
    proxied.length = 0;
    const plain = await request({ url: `${base}/json?through=proxy`, http_proxy: proxyUrl }).done;
    expect(plain).toMatchObject({ status: 'succeeded', result: { body: { query: { through: 'proxy' } } } });
    const secure = await request({ url: tlsUrl, https_proxy: proxyUrl, verify_ssl_cert: caFile }).done;
    expect(secure).toMatchObject({ status: 'succeeded', result: { body: { secure: true } } });
    // Each proxy is for its scheme only: http_proxy does not carry an https request.
    expect((await request({ url: tlsUrl, http_proxy: 'http://127.0.0.1:1', verify_ssl_cert: caFile }).done).status).toBe('succeeded');
    expect(proxied).toEqual([`GET ${base}/json?through=proxy`, `CONNECT localhost:${new URL(tlsUrl).port}`]);
    const refused = await request({ url: tlsUrl, https_proxy: proxyUrl.replace('proxy%20pw', 'wrong'), verify_ssl_cert: caFile }).done;
    expect(refused).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/proxy http:\/\/proxy-user:\*{8}@127\.0\.0\.1:\d+\/ refused the tunnel to localhost:\d+: 407/) } });
    const bad = await request({ url: tlsUrl, https_proxy: 'ftp://proxy' }).done;
    expect(bad).toMatchObject({ status: 'failed', result: { error: 'https_proxy "ftp://proxy/" must be an http:// or https:// URL' } });
  });
});
