// st2's `http-request` runner (contrib/runners/http_runner/http_runner.py): one HTTP request,
// result `{status_code, body, parsed, headers}`, succeeded only for status 200–206. The wire
// (proxies, certificate checks) is http-transport.ts.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { VERSION } from '../version.js';
import { send, shownUrl, type HttpRequest, type HttpResponse, type Proxies, type TlsChecks } from './http-transport.js';
import type { RunContext, RunOutcome, Runner } from './types.js';

// st2 SUCCESS_STATUS_CODES = range(200, 207).
const isSuccess = (status: number) => status >= 200 && status <= 206;
// requests' Session.max_redirects.
const MAX_REDIRECTS = 30;

/** st2's runner parameters (runner.yaml), plus Squall's bearer_token and a CA bundle path in verify_ssl_cert. */
const RUNNER_PARAMETERS: Runner['parameters'] = {
  allow_redirects: { default: false, description: 'Set to True if POST/PUT/DELETE redirect following is allowed.', type: 'boolean' },
  cookies: { description: 'Optional cookies to send with the request.', type: 'object' },
  headers: { description: 'HTTP headers for the request.', type: 'object' },
  http_proxy: { description: 'URL of HTTP proxy to use (e.g. http://10.10.1.10:3128).', type: 'string' },
  https_proxy: { description: 'URL of HTTPS proxy to use (e.g. http://10.10.1.10:3128).', type: 'string' },
  password: { description: 'Password required by basic authentication.', type: 'string', secret: true },
  url: { description: 'URL to the HTTP endpoint.', required: true, type: 'string' },
  username: { description: 'Username required by basic authentication.', type: 'string' },
  bearer_token: { description: 'Token sent as "Authorization: Bearer <token>" (Squall; not with username/password).', type: 'string', secret: true },
  verify_ssl_cert: {
    default: true,
    description: 'Certificate for HTTPS request is verified by default using the system CA bundle. Set to False to skip verification, or to the path of a CA bundle file (PEM) to verify with those CAs instead.',
    type: ['boolean', 'string'],
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

/** A request Squall refuses to send (a host list, a bad setting): the execution fails with this message. */
class Refused extends Error {}

/**
 * Follows redirects as requests does: 303 (and 301/302 for POST) become GET without a body.
 * Every hop is checked against the host lists before it is sent, so a redirect cannot reach
 * a host the lists forbid.
 */
async function sendFollowing(req: HttpRequest, opts: { follow: boolean; parameters: Record<string, unknown>; credentials: string[] }): Promise<HttpResponse> {
  let current = req;
  for (let hops = 0; ; hops++) {
    const res = await send(current);
    const location = lowerKeys(res.headers).location;
    if (!opts.follow || !location || ![301, 302, 303, 307, 308].includes(res.status)) return res;
    if (hops >= MAX_REDIRECTS) throw new Error(`Exceeded ${MAX_REDIRECTS} redirects.`);
    const next = new URL(location, current.url);
    const refusal = urlRefusal(next, opts.parameters);
    if (refusal) throw new Refused(`redirect from "${shownUrl(current.url)}" refused: ${refusal}`);
    const toGet = res.status === 303 ? current.method !== 'HEAD' : [301, 302].includes(res.status) && current.method === 'POST';
    const headers = { ...current.headers };
    if (toGet) {
      delete headers['Content-Length'];
      delete headers['Content-Type'];
    }
    // requests drops credentials when the redirect leaves the original host.
    if (next.host !== current.url.host) for (const name of opts.credentials) delete headers[name];
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

/** The request headers, and the names of those carrying credentials (dropped when a redirect leaves the host). */
function buildHeaders(ctx: RunContext): { headers: Record<string, string>; credentials: string[] } {
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
  const credentials = ['Authorization'];
  const basic = typeof p.username === 'string' || typeof p.password === 'string';
  if (basic && typeof p.bearer_token === 'string') throw new Refused('"bearer_token" and "username"/"password" are mutually exclusive. Only one should be provided.');
  if (basic) {
    headers.Authorization = `Basic ${Buffer.from(`${String(p.username ?? '')}:${String(p.password ?? '')}`).toString('base64')}`;
  } else if (typeof p.bearer_token === 'string') {
    headers.Authorization = `Bearer ${p.bearer_token}`;
  } else if (typeof p.auth === 'string' && p.auth.includes('=')) {
    // core.http documents `auth` as "x-auth-token=XYZ"; st2 hands the string to requests,
    // which cannot use it. Squall sends it as that header.
    const eq = p.auth.indexOf('=');
    const name = p.auth.slice(0, eq).trim();
    headers[name] = p.auth.slice(eq + 1).trim();
    credentials.push(name);
  }
  return { headers, credentials };
}

// Header names whose values are credentials: masked wherever the execution could show them
// (a server echoing its request headers into the response body, say).
const CREDENTIAL_HEADER = /^(proxy-)?authorization$|token|api[-_]?key|secret|passw|cookie/i;

/** Registers the credentials this request carries as secrets of the execution (see RunContext.addSecret). */
function maskCredentials(ctx: RunContext, headers: Record<string, string>, credentials: string[], urls: URL[]): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!credentials.includes(name) && !CREDENTIAL_HEADER.test(name)) continue;
    ctx.addSecret?.(value);
    // "Basic dXNlcjpwdw==", "Bearer abc": the credential alone too, as it may be echoed apart.
    const scheme = /^\w+ (\S+)$/.exec(value);
    if (scheme) ctx.addSecret?.(scheme[1]);
  }
  for (const url of urls) if (url.password) ctx.addSecret?.(decodeURIComponent(url.password));
}

/** st2's url_hosts_blacklist / url_hosts_whitelist check on the host without port or [] (and http(s) only). */
function urlRefusal(url: URL, p: Record<string, unknown>): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `URL "${shownUrl(url)}" must be http or https`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const black = (p.url_hosts_blacklist ?? []) as string[];
  const white = (p.url_hosts_whitelist ?? []) as string[];
  if (black.includes(host)) return `URL "${shownUrl(url)}" is blacklisted (host "${host}")`;
  if (white.length > 0 && !white.includes(host)) return `URL "${shownUrl(url)}" is not whitelisted (host "${host}")`;
  return null;
}

const isFalse = (v: unknown) => v === false || (typeof v === 'string' && /^false$/i.test(v.trim()));
const isTrue = (v: unknown) => v === undefined || v === null || v === true || (typeof v === 'string' && /^(true)?$/i.test(v.trim()));

/**
 * verify_ssl_cert as requests' `verify`: false, true, or the path of a CA bundle that replaces
 * the system CAs. "true"/"false" as text (the CLI's key=value) are the booleans, not paths.
 */
async function tlsChecks(v: unknown): Promise<TlsChecks> {
  if (isFalse(v)) return { verify: false };
  if (isTrue(v)) return { verify: true };
  const file = String(v);
  let ca: Buffer;
  try {
    ca = await readFile(file);
  } catch (err) {
    throw new Refused(`verify_ssl_cert: cannot read the CA bundle ${file}: ${(err as Error).message}`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Refused(`verify_ssl_cert: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return { verify: true, ca };
}

/** http_proxy / https_proxy; a proxy without a scheme is http://, as requests reads it. */
function proxies(p: Record<string, unknown>): Proxies {
  const out: Proxies = {};
  for (const scheme of ['http', 'https'] as const) {
    const given = p[`${scheme}_proxy`];
    if (typeof given !== 'string' || given.trim() === '') continue;
    const text = given.includes('://') ? given.trim() : `http://${given.trim()}`;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Refused(`${scheme}_proxy "${given}" is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Refused(`${scheme}_proxy "${shownUrl(url)}" must be an http:// or https:// URL`);
    out[scheme] = url;
  }
  return out;
}

function failure(error: string, status: 'failed' | 'timeout' | 'canceled' = 'failed'): RunOutcome {
  return { status, result: { error } };
}

/** Everything about the request that the parameters decide; throws Refused. */
async function prepare(ctx: RunContext): Promise<{ req: HttpRequest; credentials: string[] }> {
  const p = ctx.parameters;
  if ((p.url_hosts_blacklist as string[] | undefined)?.length && (p.url_hosts_whitelist as string[] | undefined)?.length) {
    throw new Refused('"url_hosts_blacklist" and "url_hosts_whitelist" parameters are mutually exclusive. Only one should be provided.');
  }
  let url: URL;
  try {
    url = new URL(String(p.url));
  } catch {
    throw new Refused(`URL "${String(p.url)}" is not a valid URL`);
  }
  const refusal = urlRefusal(url, p);
  if (refusal) throw new Refused(refusal);
  for (const [k, v] of Object.entries((p.params ?? {}) as Record<string, unknown>)) {
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
  }
  const { headers, credentials } = buildHeaders(ctx);
  const via = proxies(p);
  maskCredentials(ctx, headers, credentials, [url, ...Object.values(via)]);
  let body: Buffer | null;
  try {
    body = multipartBody(p, headers) ?? encodeBody(p.body, headers);
  } catch (err) {
    throw new Refused(`Request body (${String(p.body)}) can't be parsed as JSON: ${(err as Error).message}`);
  }
  if (body && !('content-length' in lowerKeys(headers))) headers['Content-Length'] = String(body.length);
  // st2: no method given → POST when there is a body, else GET.
  const method = typeof p.method === 'string' && p.method !== '' ? p.method.toUpperCase() : body ? 'POST' : 'GET';
  const timeoutMs = Number(p.timeout ?? 60) * 1000;
  return { req: { url, method, headers, body, timeoutMs, tls: await tlsChecks(p.verify_ssl_cert), proxies: via, signal: ctx.signal }, credentials };
}

async function runRequest(ctx: RunContext): Promise<RunOutcome> {
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    prepared = await prepare(ctx);
  } catch (err) {
    if (err instanceof Refused) return failure(err.message);
    throw err;
  }
  const { req, credentials } = prepared;
  try {
    const res = await sendFollowing(req, { follow: ctx.parameters.allow_redirects === true, parameters: ctx.parameters, credentials });
    const parsed = parseBody(res.headers, res.body.toString('utf8'));
    return {
      status: isSuccess(res.status) ? 'succeeded' : 'failed',
      result: { status_code: res.status, body: parsed.body, parsed: parsed.parsed, headers: res.headers },
    };
  } catch (err) {
    if (ctx.signal.aborted) return failure('Action was canceled', 'canceled');
    if (err instanceof Refused) return failure(err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'TIMEOUT') return failure(e.message, 'timeout');
    return failure(`request to ${shownUrl(req.url)} failed: ${e.message}`);
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
