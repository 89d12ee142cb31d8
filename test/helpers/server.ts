// A real Squall node for journey tests: temp $SQUALL_HOME, port 0, silent logs, on the
// backend the suite runs against (SQLite file or a fresh PostgreSQL schema).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Dialect } from '../../src/store/types.js';
import { afterAll, beforeAll } from 'vitest';
import { describeBackends, testPostgresUrl } from './backends.js';

export interface TestServer extends RunningServer {
  home: string;
  /** JSON request through the real HTTP listener with the admin key; resolves to status + body. */
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/** A node on `backend`; `log` receives its log (silent unless overrides.logLevel says otherwise). */
export async function startTestServer(backend: Dialect, overrides: Partial<Record<keyof Config, unknown>> = {}, log?: Logger): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), 'squall-home-'));
  const schema = `test_srv_${randomBytes(4).toString('hex')}`;
  const db = backend === 'postgres' ? `${testPostgresUrl}?schema=${schema}` : join(home, 'squall.db');
  const config = loadConfig({ port: 0, logLevel: 'silent', db, pollSeconds: 1, ...overrides }, { SQUALL_HOME: home });
  const server = await startServer(config, log);
  return {
    ...server,
    home,
    async call(method, path, body, headers = {}) {
      const res = await fetch(server.url + '/api/v1' + path, {
        method,
        headers: { 'St2-Api-Key': server.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      await server.close();
      if (backend === 'postgres') {
        const admin = new pg.Client({ connectionString: testPostgresUrl });
        await admin.connect();
        await admin.query(`drop schema if exists ${schema} cascade`).finally(() => admin.end());
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition with a deadline (never a bare sleep). */
export async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Declares the suite once per backend with one server each (started before, stopped after);
 * `server()` returns it. PostgreSQL skips or fails exactly as describeBackends does.
 */
export function describeServer(title: string, fn: (server: () => TestServer, backend: Dialect) => void, overrides: Partial<Record<keyof Config, unknown>> = {}): void {
  describeBackends(title, ({ backend }) => {
    let s: TestServer | undefined;
    beforeAll(async () => {
      s = await startTestServer(backend, overrides);
    });
    afterAll(async () => {
      await s?.stop();
    });
    fn(() => s!, backend);
  });
}
