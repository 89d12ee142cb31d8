// st2's `http-request` runner (contrib/runners/http_runner/http_runner.py): one HTTP request,
// result `{status_code, body, parsed, headers}`, succeeded only for status 200–206.
//
// Built on node:http/https rather than the global fetch: fetch cannot turn off certificate
// verification per request (verify_ssl_cert) without the undici package, and st2's
// allow_redirects=false must hand back the 3xx response itself.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { VERSION } from '../version.js';
import type { RunContext, RunOutcome, Runner } from './types.js';

// st2 SUCCESS_STATUS_CODES = range(200, 207).
const isSuccess = (status: number) => status >= 200 && status <= 206;
// requests' Session.max_redirects.
const MAX_REDIRECTS = 30;

interface HttpRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
  timeoutMs: number;
  verify: boolean;
  signal: AbortSignal;
}

interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The st2 runner's parameters (runner.yaml), minus http_proxy/https_proxy, which Squall does not support yet. */
const RUNNER_PARAMETERS: Runner['parameters'] = {
  allow_redirects: { default: false, description: 'Set to True if POST/PUT/DELETE redirect following is allowed.', type: 'boolean' },
  cookies: { description: 'Optional cookies to send with the request.', type: 'object' },
  headers: { description: 'HTTP headers for the request.', type: 'object' },
  password: { description: 'Password required by basic authentication.', type: 'string', secret: true },
  url: { description: 'URL to the HTTP endpoint.', required: true, type: 'string' },
  username: { description: 'Username required by basic authentication.', type: 'string' },
  verify_ssl_cert: {
    default: true,
    description: 'Certificate for HTTPS request is verified by default using the system CA bundle. Set to False to skip verification.',
    type: 'boolean',
  },
  url_hosts_blacklist: {
    description: 'Optional list of hosts (network locations) to blacklist (e.g. example.com, 127.0.0.1, ::1, etc.). If action will try to access that endpoint, an exception will be thrown and action will be marked as failed.',
    required: false, type: 'array', items: { type: 'string' },
  },
  url_hosts_whitelist: {
    description: 'Optional list of hosts (network locations) to whitelist (e.g. example.com, 127.0.0.1, ::1, etc.). If specified, actions will only be able to hit hosts on this whitelist.',
    required: false, type: 'array', items: { type: 'string' },
  },
};

// Squall's own ceiling on one response held in memory (issue 2: nothing below 100 MB).
const MAX_RESPONSE_BYTES = 100 * 1024 * 1024;

function send(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const lib = req.url.protocol === 'https:' ? https : http;
    const r = lib.request(req.url, {
      method: req.method,
      headers: req.headers,
      rejectUnauthorized: req.verify,
      signal: req.signal,
      timeout: req.timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) r.destroy(new Error(`response body is larger than ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        // Names as the server spelled them (requests keeps them so; st2 workflows read
        // result.headers['Content-Type']), repeated headers joined with ", " as requests does.
        const headers: Record<string, string> = {};
        const raw = res.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const name = raw[i]!;
          headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${raw[i + 1]}` : raw[i + 1]!;
        }
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    // `timeout` is idle time on the socket, as requests' read timeout.
    r.on('timeout', () => r.destroy(Object.assign(new Error(`request timed out after ${req.timeoutMs / 1000} seconds`), { code: 'TIMEOUT' })));
    r.on('error', reject);
    r.end(req.body ?? undefined);
  });
}

/** Follows redirects as requests does: 303 (and 301/302 for POST) become GET without a body. */
async function sendFollowing(req: HttpRequest, follow: boolean): Promise<HttpResponse> {
  let current = req;
  for (let hops = 0; ; hops++) {
    const res = await send(current);
    const location = lowerKeys(res.headers).location;
    if (!follow || !location || ![301, 302, 303, 307, 308].includes(res.status)) return res;
    if (hops >= MAX_REDIRECTS) throw new Error(`Exceeded ${MAX_REDIRECTS} redirects.`);
    const next = new URL(location, current.url);
    const toGet = res.status === 303 ? current.method !== 'HEAD' : [301, 302].includes(res.status) && current.method === 'POST';
    const headers = { ...current.headers };
    if (toGet) {
      delete headers['Content-Length'];
      delete headers['Content-Type'];
    }
    // requests drops credentials when the redirect leaves the original host.
    if (next.host !== current.url.host) delete headers.Authorization;
    current = { ...current, url: next, headers, method: toGet ? 'GET' : current.method, body: toGet ? null : current.body };
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** st2 parses the response body only for content type application/json (charset ignored). */
function parseBody(headers: Record<string, string>, text: string): { body: unknown; parsed: boolean } {
  const type = lowerKeys(headers)['content-type']?.split(';')[0]?.trim();
  if (type !== 'application/json') return { body: text, parsed: false };
  try {
    return { body: JSON.parse(text), parsed: true };
  } catch {
    return { body: text, parsed: false };
  }
}

/**
 * The request body as st2 sends it: JSON content type → the body (a JSON string or a value)
 * re-encoded as JSON; an object otherwise → form-encoded (requests' data=dict); text as is.
 */
function encodeBody(body: unknown, headers: Record<string, string>): Buffer | null {
  if (body === undefined || body === null || body === '') return null;
  const type = lowerKeys(headers)['content-type'];
  if (type === 'application/json') {
    const value = typeof body === 'string' ? JSON.parse(body) : body;
    return Buffer.from(JSON.stringify(value));
  }
  if (typeof body === 'object') {
    if (!type) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      for (const item of Array.isArray(v) ? v : [v]) form.append(k, typeof item === 'string' ? item : JSON.stringify(item));
    }
    return Buffer.from(form.toString());
  }
  return Buffer.from(String(body));
}

/**
 * st2's file upload (file_name + file_content, optional file_content_type): requests'
 * `files=` sends one multipart/form-data part named and filenamed file_name, instead of the body.
 */
function multipartBody(p: Record<string, unknown>, headers: Record<string, string>): Buffer | null {
  if (typeof p.file_name !== 'string' || !p.file_name || typeof p.file_content !== 'string' || !p.file_content) return null;
  const boundary = `squall${randomUUID().replace(/-/g, '')}`;
  const name = p.file_name.replace(/["\r\n]/g, '_');
  const type = typeof p.file_content_type === 'string' && p.file_content_type ? `Content-Type: ${p.file_content_type.replace(/[\r\n]/g, ' ')}\r\n` : '';
  headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n${type}\r\n`),
    Buffer.from(p.file_content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

function buildHeaders(ctx: RunContext): Record<string, string> {
  const p = ctx.parameters;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((p.headers ?? {}) as Record<string, unknown>)) headers[k] = String(v);
  // st2 sends "User-Agent: st2/v<version>" and X-Stanley-Action so requests can be traced back.
  headers['User-Agent'] = `squall/v${VERSION}`;
  headers['X-Stanley-Action'] = ctx.action.name;
  const cookies = p.cookies as Record<string, unknown> | undefined;
  if (cookies && Object.keys(cookies).length > 0) {
    headers.Cookie = Object.entries(cookies).map(([k, v]) => `${k}=${String(v)}`).join('; ');
  }
  if (typeof p.username === 'string' || typeof p.password === 'string') {
    const user = String(p.username ?? '');
    const pass = String(p.password ?? '');
    headers.Authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  } else if (typeof p.auth === 'string' && p.auth.includes('=')) {
    // core.http documents `auth` as "x-auth-token=XYZ"; st2 hands the string to requests,
    // which cannot use it. Squall sends it as that header.
    const eq = p.auth.indexOf('=');
    headers[p.auth.slice(0, eq).trim()] = p.auth.slice(eq + 1).trim();
  }
  return headers;
}

/** st2's url_hosts_blacklist / url_hosts_whitelist check on the host without port or []. */
function hostRefusal(url: URL, p: Record<string, unknown>): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const black = (p.url_hosts_blacklist ?? []) as string[];
  const white = (p.url_hosts_whitelist ?? []) as string[];
  if (black.length > 0 && white.length > 0) {
    return '"url_hosts_blacklist" and "url_hosts_whitelist" parameters are mutually exclusive. Only one should be provided.';
  }
  if (black.includes(host)) return `URL "${url.href}" is blacklisted`;
  if (white.length > 0 && !white.includes(host)) return `URL "${url.href}" is not whitelisted`;
  return null;
}

function failure(error: string, status: 'failed' | 'timeout' | 'canceled' = 'failed'): RunOutcome {
  return { status, result: { error } };
}

async function runRequest(ctx: RunContext): Promise<RunOutcome> {
  const p = ctx.parameters;
  let url: URL;
  try {
    url = new URL(String(p.url));
  } catch {
    return failure(`URL "${String(p.url)}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return failure(`URL "${url.href}" must be http or https`);
  const refusal = hostRefusal(url, p);
  if (refusal) return failure(refusal);
  for (const [k, v] of Object.entries((p.params ?? {}) as Record<string, unknown>)) {
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
  }
  const headers = buildHeaders(ctx);
  let body: Buffer | null;
  try {
    body = multipartBody(p, headers) ?? encodeBody(p.body, headers);
  } catch (err) {
    return failure(`Request body (${String(p.body)}) can't be parsed as JSON: ${(err as Error).message}`);
  }
  if (body && !('content-length' in lowerKeys(headers))) headers['Content-Length'] = String(body.length);
  // st2: no method given → POST when there is a body, else GET.
  const method = typeof p.method === 'string' && p.method !== '' ? p.method.toUpperCase() : body ? 'POST' : 'GET';
  const timeoutS = Number(p.timeout ?? 60);
  try {
    const res = await sendFollowing({
      url, method, headers, body, timeoutMs: timeoutS * 1000, verify: p.verify_ssl_cert !== false, signal: ctx.signal,
    }, p.allow_redirects === true);
    const parsed = parseBody(res.headers, res.body.toString('utf8'));
    return {
      status: isSuccess(res.status) ? 'succeeded' : 'failed',
      result: { status_code: res.status, body: parsed.body, parsed: parsed.parsed, headers: res.headers },
    };
  } catch (err) {
    if (ctx.signal.aborted) return failure('Action was canceled', 'canceled');
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'TIMEOUT') return failure(e.message, 'timeout');
    return failure(`request to ${url.href} failed: ${e.message}`);
  }
}

/** `http-request`: one HTTP(S) request per execution, st2's parameters and result shape. */
export function httpRunner(): Runner {
  return {
    name: 'http-request',
    description: 'HTTP client for running HTTP actions.',
    parameters: RUNNER_PARAMETERS,
    run: runRequest,
  };
}
