// The CLI's one HTTP client for /api/v1. It finds the server in $SQUALL_URL (default
// http://127.0.0.1:9101) and the API key in $SQUALL_API_KEY or $SQUALL_HOME/credentials.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { SquallError, codes, type ErrorCode } from '../errors.js';
import { squallHome } from '../config/home.js';

export interface ClientOptions {
  url: string;
  apiKey?: string;
  /** A token from `squall login` (sent as X-Auth-Token; preferred over the credentials file's key). */
  token?: string;
}

export function clientOptions(env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const credFile = join(squallHome(env), 'credentials');
  const creds = existsSync(credFile) ? (JSON.parse(readFileSync(credFile, 'utf8')) as { api_key?: string; url?: string }) : {};
  const url = env.SQUALL_URL ?? creds.url ?? `http://127.0.0.1:${env.SQUALL_PORT ?? 9101}`;
  const token = env.SQUALL_API_KEY ? undefined : env.SQUALL_AUTH_TOKEN ?? savedToken(env);
  return { url: url.replace(/\/$/, ''), apiKey: env.SQUALL_API_KEY ?? (token ? undefined : creds.api_key), token };
}

/** Where `squall login` keeps its token (mode 0600). */
export function tokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(squallHome(env), 'token');
}

// The token saved by `squall login`, while it has not expired.
function savedToken(env: NodeJS.ProcessEnv): string | undefined {
  const file = tokenFile(env);
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { token?: string; expiry?: string };
  return saved.token && saved.expiry && Date.parse(saved.expiry) > Date.now() ? saved.token : undefined;
}

type Send = (method: string, path: string, headers: Record<string, string>, body?: string) => Promise<http.IncomingMessage>;

// node:http rather than fetch: fetch loads undici on first use, which costs a CLI command
// ~150 ms of start-up on this project's machine (more than the rest of a `squall run`).
function sender(base: string, signal?: AbortSignal): Send {
  const url = new URL(base);
  const request = url.protocol === 'https:' ? https.request : http.request;
  return (method, path, headers, body) => new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = request(new URL(url.pathname.replace(/\/$/, '') + path, url), { method, headers: { ...headers, ...length }, signal }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

async function readAll(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class ApiClient {
  constructor(readonly opts: ClientOptions) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.opts.apiKey ? { 'St2-Api-Key': this.opts.apiKey } : {}), ...(this.opts.token ? { 'X-Auth-Token': this.opts.token } : {}), ...extra };
  }

  /** One call to /api/v1 (`headers` replace the client's credentials, e.g. basic auth for login); throws the API's error. */
  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = this.headers()): Promise<T> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    let res: http.IncomingMessage;
    let text: string;
    try {
      res = await sender(this.opts.url)(method, '/api/v1' + path, json === undefined ? headers : { ...headers, 'content-type': 'application/json' }, json);
      text = await readAll(res);
    } catch (err) {
      throw new SquallError('SERVER_UNREACHABLE', `cannot reach the Squall server at ${this.opts.url} (${(err as Error).message})`, {}, { cause: err });
    }
    const data = text ? JSON.parse(text) : undefined;
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const code = (data?.code in codes ? data.code : status === 401 ? 'UNAUTHORIZED' : 'INTERNAL') as ErrorCode;
      throw new SquallError(code, data?.faultstring ?? `${method} ${path}: HTTP ${status}`, data?.where ?? {}, { details: data?.details });
    }
    return data as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** Opens the SSE stream and calls onEvent per event until it returns true or the signal aborts. */
  async stream(query: string, onEvent: (event: string, data: unknown) => boolean | void, signal?: AbortSignal, onOpen?: () => void): Promise<void> {
    let res: http.IncomingMessage;
    try {
      res = await sender(this.opts.url, signal)('GET', `/api/v1/stream?${query}`, this.headers({ accept: 'text/event-stream' }));
    } catch (err) {
      if (signal?.aborted) return;
      throw new SquallError('SERVER_UNREACHABLE', `cannot reach the Squall server at ${this.opts.url}`, {}, { cause: err });
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw new SquallError(res.statusCode === 401 ? 'UNAUTHORIZED' : 'INTERNAL', `stream: HTTP ${res.statusCode}`);
    }
    onOpen?.();
    res.setEncoding('utf8');
    let buf = '';
    try {
      for await (const text of res) {
        buf += text as string;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (event && data !== undefined && onEvent(event, JSON.parse(data))) return;
        }
      }
    } catch (err) {
      if (!signal?.aborted) throw err;
    } finally {
      res.destroy();
    }
  }
}

export function makeClient(): ApiClient {
  return new ApiClient(clientOptions());
}
