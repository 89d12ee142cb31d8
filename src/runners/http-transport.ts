// How the http-request runner puts one request on the wire: directly, or through st2's
// http_proxy / https_proxy (requests' `proxies`: the one for the URL's scheme), with the
// certificate checks verify_ssl_cert asks for. Plain node:http/https/tls: Node 20's global
// fetch has no per-request proxy or certificate settings without the undici package.
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import tls from 'node:tls';

/** verify_ssl_cert: off, the system CAs, or the CAs of a bundle file (which replace the system's, as in requests). */
export interface TlsChecks {
  verify: boolean;
  ca?: Buffer;
}

export interface Proxies {
  http?: URL;
  https?: URL;
}

export interface HttpRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
  timeoutMs: number;
  tls: TlsChecks;
  proxies: Proxies;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

// Squall's own ceiling on one response held in memory (issue 2: nothing below 100 MB).
const MAX_RESPONSE_BYTES = 100 * 1024 * 1024;

/** A URL as it may be shown: without the password of its user part. */
export function shownUrl(url: URL): string {
  if (!url.password) return url.href;
  const copy = new URL(url.href);
  copy.password = '********';
  return copy.href;
}

/** `Proxy-Authorization` for a proxy URL with user:password, as requests sends it. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}

function timeoutError(timeoutMs: number): Error {
  return Object.assign(new Error(`request timed out after ${timeoutMs / 1000} seconds`), { code: 'TIMEOUT' });
}

const defaultPort = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');
const tlsOptions = (checks: TlsChecks): tls.ConnectionOptions => ({ rejectUnauthorized: checks.verify, ...(checks.ca ? { ca: checks.ca } : {}) });

/** Reads the whole response; names as the server spelled them, repeats joined with ", " (requests' way). */
function exchange(req: HttpRequest, options: https.RequestOptions, path: string): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const lib = options.protocol === 'https:' ? https : http;
    const r = lib.request({ ...options, path, method: req.method, headers: req.headers, signal: req.signal, timeout: req.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) r.destroy(new Error(`response body is larger than ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        // st2 workflows read result.headers['Content-Type'] as the server spelled it.
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
    r.on('timeout', () => r.destroy(timeoutError(req.timeoutMs)));
    r.on('error', reject);
    r.end(req.body ?? undefined);
  });
}

/** Where the proxy listens, and over TLS when its own URL is https. */
function proxyTarget(proxy: URL, checks: TlsChecks): https.RequestOptions {
  return { protocol: proxy.protocol, hostname: proxy.hostname.replace(/^\[|\]$/g, ''), port: defaultPort(proxy), agent: false, ...tlsOptions(checks) };
}

/** An HTTP CONNECT tunnel through `proxy` to the URL's host and port. */
function tunnel(proxy: URL, req: HttpRequest): Promise<Socket> {
  const authority = `${req.url.hostname}:${defaultPort(req.url)}`;
  return new Promise((resolve, reject) => {
    const lib = proxy.protocol === 'https:' ? https : http;
    const auth = proxyAuthorization(proxy);
    const r = lib.request({
      ...proxyTarget(proxy, req.tls), method: 'CONNECT', path: authority, signal: req.signal, timeout: req.timeoutMs,
      headers: { Host: authority, ...(auth ? { 'Proxy-Authorization': auth } : {}) },
    });
    r.on('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(new Error(`proxy ${shownUrl(proxy)} refused the tunnel to ${authority}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
    });
    r.on('timeout', () => r.destroy(timeoutError(req.timeoutMs)));
    r.on('error', reject);
    r.end();
  });
}

/** Sends one request (no redirects followed) and reads its response. */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  const { url } = req;
  const path = url.pathname + url.search;
  const target: https.RequestOptions = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: defaultPort(url), ...tlsOptions(req.tls) };
  if (url.username || url.password) target.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  const proxy = url.protocol === 'https:' ? req.proxies.https : req.proxies.http;
  if (!proxy) return exchange(req, target, path);
  if (url.protocol === 'http:') {
    // A plain-HTTP request goes to the proxy whole: absolute URL, the proxy's credentials.
    const auth = proxyAuthorization(proxy);
    const headers = { ...req.headers, Host: url.host, ...(auth ? { 'Proxy-Authorization': auth } : {}) };
    return exchange({ ...req, headers }, { ...proxyTarget(proxy, req.tls), ...(target.auth ? { auth: target.auth } : {}) }, url.href.replace(/\/\/[^@/]*@/, '//'));
  }
  const socket = await tunnel(proxy, req);
  const host = target.hostname!;
  // No agent: the request must use this connection (an agent would open its own).
  const overTunnel = () => tls.connect({ ...tlsOptions(req.tls), socket, host, servername: isIP(host) ? undefined : host });
  return exchange(req, { ...target, createConnection: overTunnel }, path);
}
