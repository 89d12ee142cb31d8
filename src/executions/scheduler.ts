// Claims requested executions from the queue and runs them on this node's runners.
// Three steps, each its own transaction: start (policies, status → running), run (no
// transaction held), finish (result, status, retries, hooks).
import { complete, type Job } from '../store/queue.js';
import { startConsumer, type Consumer, type JobOutcome } from '../store/consumer.js';
import * as rows from '../store/executions.js';
import type { Tx } from '../store/types.js';
import type { Action } from '../packs/model.js';
import type { RunOutcome } from '../runners/types.js';
import type { ExecutionDeps } from './deps.js';
import type { Execution } from './model.js';
import { isTerminal, type ExecutionStatus } from './status.js';
import { startRunning, transition } from './lifecycle.js';
import { CANCEL_CHANNEL } from './events.js';
import { concurrencyVerdict, retryPlan } from './policies.js';
import { EXECUTION_QUEUE, requestIn } from './service.js';
import { createOutputWriter } from './output.js';
import { mergeParameterSchemas } from './parameters.js';
import { createRedactor, secretParameterValues } from './redact.js';

export interface SchedulerOptions {
  concurrency: number;
  leaseMs: number;
  pollMs: number;
}

// A delayed execution (concurrency policy) looks for a free slot again after this long.
const DELAY_RECHECK_MS = 1000;

type Started = { execution: Execution; action: Action; packDir: string | null };

export function startScheduler(deps: ExecutionDeps, opts: SchedulerOptions): Consumer {
  const running = new Map<string, AbortController>();
  const unlisten = deps.store.listen(CANCEL_CHANNEL, (id) => running.get(id)?.abort());

  // The job is deleted in the transaction that ends its execution ('completed'), not in one of its own.
  async function start(job: Job): Promise<Started | JobOutcome> {
    const id = (job.payload as { id: string }).id;
    return deps.store.tx(async (tx) => {
      const done = async (): Promise<'completed'> => {
        await complete(tx, job.id);
        return 'completed';
      };
      const e = await rows.getExecution(tx, id);
      if (!e || isTerminal(e.status)) return done();
      const now = deps.now();
      if (e.status === 'canceling') {
        await transition(tx, deps, e, 'canceled', { end_timestamp: now });
        return done();
      }
      // A resumable runner (workflows) moves its execution to running itself, in the
      // transaction that creates its state; retaken, it is started again (idempotently).
      const resumable = deps.runners.get(e.runner_type)?.resumable === true;
      if (resumable && (e.status === 'scheduled' || e.status === 'running')) return started(tx, e);
      if (e.status !== 'requested' && e.status !== 'delayed') {
        // Claimed before by a node whose lease ran out mid-run: the action may have
        // done part of its work, so it is not run again behind the user's back.
        await transition(tx, deps, e, 'abandoned', { end_timestamp: now, result: { error: 'the node running this execution stopped' } });
        return done();
      }
      const verdict = await concurrencyVerdict(tx, e, await deps.policies(tx, e.action));
      if (verdict === 'cancel') {
        await transition(tx, deps, e, 'canceled', { end_timestamp: now, result: { error: 'canceled by the action.concurrency policy' } });
        return done();
      }
      if (verdict === 'delay') {
        if (e.status !== 'delayed') await transition(tx, deps, e, 'delayed');
        return { retryAt: now + DELAY_RECHECK_MS, error: 'delayed by concurrency policy' };
      }
      const requested = e.status === 'delayed' ? await transition(tx, deps, e, 'requested') : e;
      if (resumable) return started(tx, await transition(tx, deps, requested, 'scheduled'));
      return started(tx, await startRunning(tx, deps, requested, { start_timestamp: now, attempt: e.attempt + 1 }));
    });
  }

  async function started(tx: Tx, execution: Execution): Promise<Started> {
    const action = await deps.findAction(tx, execution.action);
    return { execution, action, packDir: await deps.packDir(tx, action.pack) };
  }

  async function run(s: Started): Promise<RunOutcome> {
    const { execution, action, packDir } = s;
    const runner = deps.runners.get(action.runner_type)!;
    const controller = new AbortController();
    running.set(execution.id, controller);
    const log = deps.log.child({ executionId: execution.id, action: action.ref });
    const output = createOutputWriter(deps, execution.id, log);
    // Secrets are masked before the result and output lines are stored or streamed.
    const redactor = createRedactor([
      ...secretParameterValues(mergeParameterSchemas(runner.parameters, action.parameters), execution.parameters),
      // Without the datastore's secrets the parameters' are still masked; the run goes on.
      ...(deps.knownSecrets ? await deps.knownSecrets().catch((err: unknown) => (log.error({ err }, 'cannot list datastore secrets to mask'), [])) : []),
    ]);
    try {
      const outcome = await runner.run({
        executionId: execution.id,
        action,
        packDir,
        parameters: execution.parameters,
        signal: controller.signal,
        output: (stream, line) => output.line(stream, redactor.text(line)),
        addSecret: redactor.add,
        log,
      });
      return { ...outcome, result: redactor.value(outcome.result) };
    } catch (err) {
      // A runner that throws is Squall's failure, not the action's: recorded, never lost.
      const message = redactor.text((err as Error).message);
      log.error({ error: message }, 'runner failed');
      return { status: 'failed', result: { error: message, traceback: redactor.text((err as Error).stack ?? '') } };
    } finally {
      running.delete(execution.id);
      await output.close();
    }
  }

  async function finish(job: Job, s: Started, outcome: RunOutcome): Promise<JobOutcome> {
    const ended = outcome.status;
    // A workflow goes on after its runner returns: its runtime ends it.
    if (ended === 'running') return;
    return deps.store.tx(async (tx): Promise<JobOutcome> => {
      await complete(tx, job.id);
      const e = await rows.getExecution(tx, s.execution.id);
      if (!e || isTerminal(e.status)) return 'completed';
      const status: ExecutionStatus = e.status === 'canceling' ? 'canceled' : ended;
      const done = await transition(tx, deps, e, status, { result: outcome.result, end_timestamp: deps.now() });
      const retry = retryPlan(done, status, await deps.policies(tx, done.action));
      if (retry) {
        await requestIn(tx, deps, {
          action: done.action,
          rendered: done.parameters,
          context: { ...done.context, retry: { of: done.context.retry ? (done.context.retry as { of: string }).of : done.id, count: retry.count } },
          parentId: done.parent_id,
          runAt: deps.now() + retry.delayMs,
        });
      }
      return 'completed';
    });
  }

  const consumer = startConsumer(deps.store, {
    queue: EXECUTION_QUEUE,
    node: deps.node,
    concurrency: opts.concurrency,
    leaseMs: opts.leaseMs,
    pollMs: opts.pollMs,
    now: deps.now,
    log: deps.log.child({ role: 'scheduler' }),
    async handle(job) {
      const started = await start(job);
      if (started === undefined || started === 'completed' || !('execution' in started)) return started;
      return finish(job, started, await run(started));
    },
  });

  return {
    reserve: consumer.reserve,
    get inFlight() {
      return consumer.inFlight;
    },
    async stop() {
      for (const c of running.values()) c.abort();
      unlisten();
      await consumer.stop();
    },
  };
}
