// The CLI's one HTTP client for /api/v1. It finds the server in $SQUALL_URL (default
// http://127.0.0.1:9101) and the API key in $SQUALL_API_KEY or $SQUALL_HOME/credentials.
import { existsSync, readFileSync } from 'node:fs';
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

export class ApiClient {
  constructor(readonly opts: ClientOptions) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.opts.apiKey ? { 'St2-Api-Key': this.opts.apiKey } : {}), ...(this.opts.token ? { 'X-Auth-Token': this.opts.token } : {}), ...extra };
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.opts.url + '/api/v1' + path, {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new SquallError('SERVER_UNREACHABLE', `cannot reach the Squall server at ${this.opts.url} (${((err as Error).cause as Error)?.message ?? (err as Error).message})`);
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const code = (data?.code in codes ? data.code : res.status === 401 ? 'UNAUTHORIZED' : 'INTERNAL') as ErrorCode;
      throw new SquallError(code, data?.faultstring ?? `${method} ${path}: HTTP ${res.status}`, data?.where ?? {}, { details: data?.details });
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
    let res: Response;
    try {
      res = await fetch(`${this.opts.url}/api/v1/stream?${query}`, { headers: this.headers({ accept: 'text/event-stream' }), signal });
    } catch (err) {
      if (signal?.aborted) return;
      throw new SquallError('SERVER_UNREACHABLE', `cannot reach the Squall server at ${this.opts.url}`, {}, { cause: err });
    }
    if (!res.ok || !res.body) throw new SquallError(res.status === 401 ? 'UNAUTHORIZED' : 'INTERNAL', `stream: HTTP ${res.status}`);
    onOpen?.();
    const decoder = new TextDecoder();
    let buf = '';
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read().catch((err: unknown) => {
          if (signal?.aborted) return { value: undefined, done: true as const };
          throw err;
        });
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (event && data !== undefined && onEvent(event, JSON.parse(data))) return;
        }
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }
}

export function makeClient(): ApiClient {
  return new ApiClient(clientOptions());
}
