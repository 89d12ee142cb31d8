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

/** Runs `action` once, undisturbed: its result is what every killed run of it must end with. */
export async function referenceRun(call: Call, action: string): Promise<Json> {
  const reference = await call('POST', '/executions', { action });
  const done = await until(async () => {
    const e = await call('GET', `/executions/${reference.id}`);
    return isEnded(e.status) && e;
  }, 60_000, `the reference run of ${action}`);
  expect(done.status, JSON.stringify(done.result)).toBe('succeeded');
  return done.result;
}

// The relaunched action of a task whose first action was lost with its node is not run a third
// time (the issue: "no task is dispatched twice unless the action was lost mid-run, and then
// only once more"): when it is lost too, the task fails saying so (workflow/role.ts).
const LOST_TWICE = /was lost twice with the node running it/;

/**
 * Waits for the workflows `ids` to end and checks each against the reference result of its
 * action (`expected`, by action ref). Every task slot (task execution, item) ran at most twice,
 * and twice only after its first action was abandoned with its node. A workflow in which one
 * slot's action was lost both times fails, with exactly those tasks' errors saying so; every
 * other workflow succeeded with the reference result. Returns how many were compared.
 */
export async function expectSameResults(call: Call, ids: readonly string[], expected: Record<string, Json>): Promise<number> {
  const ended = await until(async () => {
    const all = await Promise.all(ids.map((id) => call('GET', `/executions/${id}`)));
    return all.every((e) => isEnded(e.status)) && all;
  }, 120_000, 'every workflow to end after the kills');
  let compared = 0;
  for (const e of ended) {
    const children = (await call('GET', `/executions?parent=${e.id}&limit=1000`)) as Json[];
    const bySlot = new Map<string, Json[]>();
    for (const c of children) {
      const key = `${c.context.workflow.run}/${c.context.workflow.item}`;
      bySlot.set(key, [...(bySlot.get(key) ?? []), c]);
    }
    const lostTwice = new Set<string>();
    for (const [slot, runs] of bySlot) {
      const statuses = runs.map((r: Json) => r.status).sort();
      expect(runs.length, `task slot ${slot} of ${e.id} ran ${runs.length} times`).toBeLessThanOrEqual(2);
      if (runs.length === 1) continue;
      if (statuses[1] === 'abandoned') lostTwice.add(runs[0].context.workflow.task);
      else expect(statuses, `task slot ${slot} of ${e.id}`).toEqual(['abandoned', 'succeeded']);
    }
    const detail = `${e.id} ${e.action}: ${JSON.stringify(e.result)?.slice(0, 2000)} task executions: ${JSON.stringify(children.map((c: Json) => [c.context.workflow.task, c.context.workflow.item, c.status]))}`;
    if (lostTwice.size > 0) {
      expect(e.status, detail).toBe('failed');
      // The errors with a task result are exactly those of the tasks lost twice, and say so.
      const taskErrors = (e.result.errors as Json[]).filter((err) => err.result !== undefined);
      expect(new Set(taskErrors.map((err) => err.task_id)), detail).toEqual(lostTwice);
      for (const err of taskErrors) expect(JSON.stringify(err.result), detail).toMatch(LOST_TWICE);
      continue;
    }
    expect(e.status, detail).toBe('succeeded');
    expect(e.result, detail).toEqual(expected[e.action]);
    compared++;
  }
  return compared;
}
