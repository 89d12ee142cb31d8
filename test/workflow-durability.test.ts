// Kill -9 the server at random moments while workflows run, restart it each time, and check
// that every workflow still ends with the result of an uninterrupted run, and that no task
// action ran twice unless its node died under it (then exactly once more).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../bench/server-process.js';
import { until } from './helpers/server.js';

const pack = join(import.meta.dirname, 'fixtures', 'packs', 'durable');
type Json = any;

const home = mkdtempSync(join(tmpdir(), 'squall-durable-'));
let current: ServerProcess | undefined;
afterAll(async () => {
  await current?.stop();
  rmSync(home, { recursive: true, force: true });
});

// Leases of 2 s: work held by a killed node is taken over quickly.
const start = () => spawnServer({ home, env: { SQUALL_LEASE_SECONDS: '2' } });

async function call(method: string, path: string, body?: unknown): Promise<Json> {
  for (;;) {
    try {
      const res = await fetch(`${current!.url}/api/v1${path}`, {
        method, headers: { 'St2-Api-Key': current!.apiKey, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      return await res.json();
    } catch {
      // The server is being killed or restarted: ask again.
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const isEnded = (s: string) => ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'].includes(s);

it('survives kill -9 at random points with the same results', async () => {
  current = await start();
  expect((await call('POST', '/packs/register', { path: pack })).pack?.name).toBe('durable');
  const reference = await call('POST', '/executions', { action: 'durable.crunch' });
  const expected = (await until(async () => {
    const e = await call('GET', `/executions/${reference.id}`);
    return isEnded(e.status) && e;
  }, 60_000, 'the reference run')).result;
  expect(expected.output.total).toBe(1496);

  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await call('POST', '/executions', { action: 'durable.crunch' })).id);
  for (let kill = 0; kill < 4; kill++) {
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
    await current.stop('SIGKILL');
    current = await start();
  }
  const ended = await until(async () => {
    const all = await Promise.all(ids.map((id) => call('GET', `/executions/${id}`)));
    return all.every((e) => isEnded(e.status)) && all;
  }, 120_000, 'every workflow to end after the restarts');
  for (const e of ended) {
    expect(e.status).toBe('succeeded');
    expect(e.result).toEqual(expected);
    const children = (await call('GET', `/executions?parent=${e.id}&limit=1000`)) as Json[];
    const bySlot = new Map<string, Json[]>();
    for (const c of children) {
      const key = `${c.context.workflow.run}/${c.context.workflow.item}`;
      bySlot.set(key, [...(bySlot.get(key) ?? []), c]);
    }
    for (const [slot, runs] of bySlot) {
      expect(runs.length, `task slot ${slot} ran ${runs.length} times`).toBeLessThanOrEqual(2);
      if (runs.length === 2) {
        expect(runs.map((r: Json) => r.status).sort(), slot).toEqual(['abandoned', 'succeeded']);
      }
    }
  }
}, 240_000);
