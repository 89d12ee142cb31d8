// Kill -9 the server at random moments while workflows run, restart it each time, and check
// that every workflow still ends with the result of an uninterrupted run, and that no task
// action ran twice unless its node died under it (then exactly once more).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../bench/server-process.js';
import { DURABLE_PACK, expectSameResults, referenceRun, retryingClient } from './helpers/durable.js';

const home = mkdtempSync(join(tmpdir(), 'squall-durable-'));
let current: ServerProcess | undefined;
afterAll(async () => {
  await current?.stop();
  rmSync(home, { recursive: true, force: true });
});

// Leases of 2 s: work held by a killed node is taken over quickly.
const start = () => spawnServer({ home, env: { SQUALL_LEASE_SECONDS: '2' } });
const call = retryingClient(() => current!);

it('survives kill -9 at random points with the same results', async () => {
  current = await start();
  expect((await call('POST', '/packs/register', { path: DURABLE_PACK })).pack?.name).toBe('durable');
  const expected = await referenceRun(call);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await call('POST', '/executions', { action: 'durable.crunch' })).id);
  for (let kill = 0; kill < 4; kill++) {
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
    await current.stop('SIGKILL');
    current = await start();
  }
  await expectSameResults(call, ids, expected);
}, 240_000);
