// Shared by the crash tests of the workflow engine: a client that retries while a node is
// being killed or restarted, and the check that killed workflows end as an uninterrupted run.
import { expect } from 'vitest';
import type { ServerProcess } from '../../bench/server-process.js';
import { until } from './server.js';

type Json = any;

export const DURABLE_PACK = new URL('../fixtures/packs/durable', import.meta.url).pathname;

export const isEnded = (s: string) => ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'].includes(s);

/** API calls to whichever node `node()` names at the moment, asked again while it is down. */
export function retryingClient(node: () => ServerProcess) {
  return async function call(method: string, path: string, body?: unknown): Promise<Json> {
    for (;;) {
      const s = node();
      try {
        const res = await fetch(`${s.url}/api/v1${path}`, {
          method, headers: { 'St2-Api-Key': s.apiKey, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
        });
        return await res.json();
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
}

type Call = ReturnType<typeof retryingClient>;

/** Runs durable.crunch once, undisturbed, and returns its result. */
export async function referenceRun(call: Call): Promise<Json> {
  const reference = await call('POST', '/executions', { action: 'durable.crunch' });
  const expected = (await until(async () => {
    const e = await call('GET', `/executions/${reference.id}`);
    return isEnded(e.status) && e;
  }, 60_000, 'the reference run')).result;
  expect(expected.output.total).toBe(1496);
  return expected;
}

/**
 * Waits for the workflows `ids` to end; each must have succeeded with `expected`, and each task
 * slot ran at most twice: once more only after its first run was abandoned with its node.
 */
export async function expectSameResults(call: Call, ids: readonly string[], expected: Json): Promise<void> {
  const ended = await until(async () => {
    const all = await Promise.all(ids.map((id) => call('GET', `/executions/${id}`)));
    return all.every((e) => isEnded(e.status)) && all;
  }, 120_000, 'every workflow to end after the kills');
  for (const e of ended) {
    const children = (await call('GET', `/executions?parent=${e.id}&limit=1000`)) as Json[];
    const bySlot = new Map<string, Json[]>();
    for (const c of children) {
      const key = `${c.context.workflow.run}/${c.context.workflow.item}`;
      bySlot.set(key, [...(bySlot.get(key) ?? []), c]);
    }
    const twiceLost = [...bySlot].filter(([, runs]) => runs.length === 2 && runs.every((r: Json) => r.status === 'abandoned'));
    for (const [slot, runs] of bySlot) {
      expect(runs.length, `task slot ${slot} ran ${runs.length} times`).toBeLessThanOrEqual(2);
      if (runs.length === 2 && !twiceLost.some(([s]) => s === slot)) expect(runs.map((r: Json) => r.status).sort(), slot).toEqual(['abandoned', 'succeeded']);
    }
    if (twiceLost.length) {
      // Two kills hit the same task action: its one extra run was lost too, and the workflow
      // fails, as the issue asks ("then only once more") — the random schedule made it so.
      expect(e.status).toBe('failed');
      expect(JSON.stringify(e.result.errors)).toContain('the node running this execution stopped');
      continue;
    }
    expect(e.status, `${JSON.stringify(e.result)?.slice(0, 3000)} children: ${JSON.stringify(children.map((c: Json) => [c.context.workflow.run, c.context.workflow.item, c.status]))}`).toBe('succeeded');
    expect(e.result).toEqual(expected);
  }
}
