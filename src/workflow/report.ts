// A finished workflow execution as `squall workflow run --json` reports it: status, output,
// errors, and one entry per task execution in start order (the contract in ARCHITECTURE.md).
import type { ExecutionDeps } from '../executions/deps.js';
import { EXECUTION_CHANNEL, type ExecutionEvent } from '../executions/events.js';
import { getExecution } from '../executions/service.js';
import type { Execution } from '../executions/model.js';
import { isTerminal } from '../executions/status.js';
import { readWorkflow } from './persist.js';
import { resultOf } from './task-functions.js';

/** "task (action) status" for a task execution of a workflow; "task[item] …" for an item. */
function progressLine(e: Execution): string {
  const link = e.context.workflow as { task: string; item: number | null };
  return `${link.task}${link.item === null ? '' : `[${link.item}]`} (${e.action}) ${e.status}`;
}

/** Resolves when execution `id` has ended; `onLine` hears of each of its task executions ending on the way. */
export async function waitForEnd(deps: Pick<ExecutionDeps, 'store'>, id: string, onLine?: (line: string) => void): Promise<void> {
  // Lines go out in event order, also when one needs its execution read (too large for the event).
  let lines = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    const end = () => {
      off();
      lines.then(resolve, reject);
    };
    const off = deps.store.listen(EXECUTION_CHANNEL, (payload) => {
      const ev = JSON.parse(payload) as ExecutionEvent;
      if (onLine && ev.parent_id === id && isTerminal(ev.status)) {
        lines = lines.then(async () => onLine(progressLine(ev.execution ?? (await getExecution(deps, ev.id)))));
      }
      if (ev.id === id && isTerminal(ev.status)) end();
    });
    // It may have ended before the listener was in place.
    getExecution(deps, id).then((e) => {
      if (isTerminal(e.status)) end();
    }, reject);
  });
}

export async function runReport(deps: Pick<ExecutionDeps, 'store'>, id: string) {
  const e = await getExecution(deps, id);
  const state = (await deps.store.read((tx) => readWorkflow(tx, id)))?.state ?? null;
  const result = (e.result ?? {}) as { output?: unknown; errors?: unknown[]; error?: string };
  return {
    status: e.status,
    output: result.output ?? null,
    // As st2's result: errors only of a workflow that failed (a remediated failure is no error);
    // a workflow that could not even start failed with its runner's error.
    errors: result.errors ?? (result.error === undefined ? [] : [{ type: 'error', message: result.error }]),
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
