// Kill -9 the server many times while workflows run — each kill aimed at a with-items fan-out,
// a join with one branch in, or a loop that publishes a large context every round — restart
// it each time, and check that every workflow still ends with the result of an uninterrupted
// run, and that no task action ran twice unless its node died under it (then once more only).
// A task whose action is lost twice is dispatched no third time: the last test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../bench/server-process.js';
import { DURABLE_PACK, expectSameResults, isEnded, referenceRun, retryingClient } from './helpers/durable.js';
import { until } from './helpers/server.js';

type Json = any;

const home = mkdtempSync(join(tmpdir(), 'squall-durable-'));
let current: ServerProcess | undefined;
afterAll(async () => {
  await current?.stop();
  rmSync(home, { recursive: true, force: true });
});

// Leases of 2 s: work held by a killed node is taken over quickly.
const start = () => spawnServer({ home, env: { SQUALL_LEASE_SECONDS: '2' } });
const call = retryingClient(() => current!);

type Tasks = Array<{ name: string; status: string; items: Array<{ status: string | null }> | null }>;

/** Where a kill is aimed: a workflow of `action` whose task executions show it is in that phase. */
const PHASES: Array<{ action: string; inPhase: (tasks: Tasks) => boolean }> = [
  // durable.crunch squares 16 items 4 at a time: some done, some not.
  { action: 'durable.crunch', inPhase: (tasks) => tasks.some((t) => t.name === 'square' && t.items!.some((i) => i.status === 'succeeded') && t.items!.some((i) => i.status !== 'succeeded')) },
  // Its join: total arrived at report, count (0.3 s) not yet.
  { action: 'durable.crunch', inPhase: (tasks) => tasks.some((t) => t.name === 'total' && t.status === 'succeeded') && tasks.some((t) => t.name === 'count' && t.status === 'running') },
  // durable.ledger's rounds spend most of their time publishing a context of up to 18,000 entries.
  { action: 'durable.ledger', inPhase: (tasks) => tasks.filter((t) => t.name === 'add').length >= 2 && !tasks.some((t) => t.name === 'report') },
];
const KILLS = 12;

/** Starts workflows of the phase's action until one is seen in the phase (a fast one may slip past it); returns every id started. */
async function startInPhase(phase: (typeof PHASES)[number]): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const id = (await call('POST', '/executions', { action: phase.action })).id as string;
    ids.push(id);
    const seen = await until(async () => {
      const [e, view] = await Promise.all([call('GET', `/executions/${id}`), call('GET', `/executions/${id}/workflow`)]);
      if (view.tasks && phase.inPhase(view.tasks)) return 'in phase';
      return isEnded(e.status) && 'ended';
    }, 30_000, `${phase.action} ${id} to reach the phase or end`);
    if (seen === 'in phase') return ids;
  }
}

it('survives kill -9 during fan-out, join and publish, many times, with the same results', async () => {
  current = await start();
  expect((await call('POST', '/packs/register', { path: DURABLE_PACK })).pack?.name).toBe('durable');
  const actions = ['durable.crunch', 'durable.ledger'];
  const expected: Record<string, Json> = Object.fromEntries(await Promise.all(actions.map(async (a) => [a, await referenceRun(call, a)])));
  expect(expected['durable.crunch'].output.total).toBe(1496);
  const ids: string[] = [];
  for (let kill = 0; kill < KILLS; kill++) {
    ids.push(...(await startInPhase(PHASES[kill % PHASES.length]!)));
    // A random instant within the phase (each lasts 0.3 s or more).
    await new Promise((r) => setTimeout(r, Math.random() * 150));
    await current.stop('SIGKILL');
    current = await start();
    // Each workflow ends before the next kill: every one is hit by the kill aimed at it and
    // no other, so none can lose one task's action twice (a relaunched task still running at
    // the next kill would), and every one must end as the uninterrupted run did.
    await until(async () => (await Promise.all(ids.map((id) => call('GET', `/executions/${id}`)))).every((e) => isEnded(e.status)), 60_000, 'the workflows to end after the restart');
  }
  expect(await expectSameResults(call, ids, expected)).toBe(ids.length);
}, 240_000);

it('dispatches a task whose action was lost with its node once more, not a third time', async () => {
  current ??= await start();
  const id = (await call('POST', '/executions', { action: 'durable.hold' })).id as string;
  const runs = (n: number) => until(async () => {
    const children = (await call('GET', `/executions?parent=${id}&limit=10`)) as Json[];
    return children.length === n && children.some((c) => c.status === 'running') && children;
  }, 30_000, `run ${n} of the task`);
  await runs(1);
  await current.stop('SIGKILL');
  current = await start();
  // The lease (2 s) runs out, the execution is found abandoned, the task is dispatched again.
  await runs(2);
  await current.stop('SIGKILL');
  current = await start();
  const e = await until(async () => {
    const got = await call('GET', `/executions/${id}`);
    return isEnded(got.status) && got;
  }, 30_000, 'the workflow to end');
  expect(e.status).toBe('failed');
  expect(JSON.stringify(e.result.errors)).toMatch(/the action of task hold was lost twice with the node running it/);
  const children = (await call('GET', `/executions?parent=${id}&limit=10`)) as Json[];
  expect(children.map((c) => c.status)).toEqual(['abandoned', 'abandoned']);
}, 120_000);
