// A finished workflow execution as `squall workflow run --json` reports it: status, output,
// errors, and one entry per task execution in start order (the contract in ARCHITECTURE.md).
import type { ExecutionDeps } from '../executions/deps.js';
import { EXECUTION_CHANNEL, type ExecutionEvent } from '../executions/events.js';
import { getExecution } from '../executions/service.js';
import { isTerminal } from '../executions/status.js';
import { readWorkflow } from './persist.js';
import { resultOf } from './task-functions.js';

/** Resolves when execution `id` has ended; `onLine` hears of each child ending on the way. */
export async function waitForEnd(deps: Pick<ExecutionDeps, 'store'>, id: string, onLine?: (line: string) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const off = deps.store.listen(EXECUTION_CHANNEL, (payload) => {
      const ev = JSON.parse(payload) as ExecutionEvent;
      if (onLine && ev.parent_id === id && isTerminal(ev.status)) onLine(`${ev.action} ${ev.status}`);
      if (ev.id === id && isTerminal(ev.status)) {
        off();
        resolve();
      }
    });
    // It may have ended before the listener was in place.
    getExecution(deps, id).then((e) => {
      if (isTerminal(e.status)) {
        off();
        resolve();
      }
    }, reject);
  });
}

export async function runReport(deps: Pick<ExecutionDeps, 'store'>, id: string) {
  const e = await getExecution(deps, id);
  const state = (await deps.store.read((tx) => readWorkflow(tx, id)))?.state ?? null;
  const result = (e.result ?? {}) as { output?: unknown; errors?: unknown[] };
  return {
    status: e.status,
    output: result.output ?? null,
    errors: result.errors ?? (state?.errors ?? []),
    tasks: (state?.runs ?? []).map((r) => ({
      name: r.task,
      status: r.status,
      result: resultOf(r),
      attempt: r.attempt,
      start_timestamp: r.startedAt,
      end_timestamp: r.endedAt,
    })),
  };
}
