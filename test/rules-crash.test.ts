// Kill -9 the server while webhooks stream in: every instance that got its 202 is stored,
// decided exactly once after the restart (the rules queue resumes), and rule windows keep
// their state across the restart. A real server process, on both backends.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { describeBackends, testPostgresUrl } from './helpers/backends.js';
import { until } from './helpers/server.js';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
type Json = any;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describeBackends('kill the server mid-stream', ({ backend }) => {
  const home = mkdtempSync(join(tmpdir(), 'squall-crash-'));
  const schema = `test_crash_${randomBytes(4).toString('hex')}`;
  const db = backend === 'postgres' ? `${testPostgresUrl}?schema=${schema}` : join(home, 'squall.db');
  let child: ChildProcess | null = null;
  let port = 0;
  // Work leased by the killed node is retaken when its lease runs out: keep that short here.
  writeFileSync(join(home, 'config.yaml'), 'leaseSeconds: 2\npollSeconds: 0.5\n');

  afterAll(async () => {
    child?.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
    if (backend === 'postgres') {
      const admin = new pg.Client({ connectionString: testPostgresUrl });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`).finally(() => admin.end());
    }
  });

  const key = () => (JSON.parse(readFileSync(join(home, 'credentials'), 'utf8')) as { api_key: string }).api_key;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
      method, headers: { 'St2-Api-Key': key(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as Json };
  };

  async function start(): Promise<void> {
    child = spawn(process.execPath, [cli, 'server', '--db', db, '--port', String(port), '--log-level', 'error'], {
      env: { ...process.env, SQUALL_HOME: home }, stdio: ['ignore', 'ignore', 'inherit'],
    });
    await until(async () => {
      try {
        return (await call('GET', '/status')).status === 200;
      } catch {
        return false;
      }
    }, 30_000, 'the server to answer');
  }

  it('loses no trigger instance and fires each once; windows survive the restart', async () => {
    port = await freePort();
    await start();
    expect((await call('POST', '/rules', {
      name: 'crash', trigger: { type: 'core.st2.webhook', parameters: { url: 'crash' } },
      criteria: { 'trigger.body.n': { type: 'exists' } }, action: { ref: 'core.noop' },
    })).status).toBe(201);
    expect((await call('POST', '/rules', {
      name: 'thrice', trigger: { type: 'core.st2.webhook', parameters: { url: 'thrice' } },
      window: { period: '1h', group_by: 'trigger.body.host', aggregate: 'count() >= 3' }, action: { ref: 'core.noop' },
    })).status).toBe(201);
    const windowed = [];
    for (let i = 0; i < 2; i++) windowed.push((await call('POST', '/webhooks/thrice', { host: 'h1' })).body.id);

    // Four senders stream webhooks; the server is killed under them.
    const accepted: string[] = [];
    let stop = false;
    const sender = async (s: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await call('POST', '/webhooks/crash', { n: `${s}-${i}` });
          if (r.status === 202) accepted.push(r.body.id);
        } catch {
          return; // connection refused or reset: the server is gone
        }
      }
    };
    const senders = [0, 1, 2, 3].map(sender);
    await until(() => accepted.length >= 60, 20_000, '60 accepted webhooks');
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    stop = true;
    await Promise.all(senders);
    expect(new Set(accepted).size).toBe(accepted.length);

    await start();
    const decided = await until(async () => {
      const list = (await call('GET', '/ruleenforcements?rule=default.crash&limit=1000')).body as Json[];
      const ids = new Set(list.map((e: Json) => e.trigger_instance_id));
      return accepted.every((id) => ids.has(id)) && list;
    }, 60_000, `${accepted.length} enforcements after the restart`);
    // Exactly one decision per instance, each with its own execution. Every accepted (202)
    // instance is among them; the kill may also cut the answer to an instance already
    // committed, which is then decided too (its sender saw an error and would retry with
    // the same Idempotency-Key, which dedupes it).
    const decidedIds = decided.map((e: Json) => e.trigger_instance_id);
    expect(new Set(decidedIds).size).toBe(decidedIds.length);
    expect(decidedIds).toEqual(expect.arrayContaining(accepted));
    expect(decidedIds.length - accepted.length).toBeLessThanOrEqual(4);
    expect(decided.every((e: Json) => e.status === 'succeeded')).toBe(true);
    expect(new Set(decided.map((e: Json) => e.execution_id)).size).toBe(decided.length);
    for (const id of accepted.slice(0, 5)) expect((await call('GET', `/triggerinstances/${id}`)).body.status).toBe('processed');

    // The window counted two events before the kill: the third fires.
    const third = (await call('POST', '/webhooks/thrice', { host: 'h1' })).body.id;
    const e = await until(async () => (await call('GET', `/ruleenforcements?trigger_instance=${third}`)).body[0], 15_000, 'window decision');
    expect(e.status).toBe('succeeded');
    for (const id of windowed) expect((await call('GET', `/ruleenforcements?trigger_instance=${id}`)).body[0].status).toBe('suppressed');
    child!.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = null;
  }, 120_000);
});
