// The `rules` role: consumes the trigger-instances queue. The instances claimed together
// are decided in one transaction (group commit; see engine.ts), which also completes their
// jobs; the queue's lease hands them to another node if this one dies.
import { createBatcher } from '../store/batcher.js';
import { startConsumer, type Consumer } from '../store/consumer.js';
import { pruneDeliveries } from '../store/events.js';
import { complete, type Job } from '../store/queue.js';
import { TRIGGER_INSTANCE_QUEUE } from '../events/dispatch.js';
import type { Tx } from '../store/types.js';
import { processTriggerInstance, type RulesDeps } from './engine.js';

export interface RulesEngineOptions {
  /** Instances decided at once on this node. */
  concurrency: number;
  leaseMs: number;
  pollMs: number;
}

// Expired delivery ids are forgotten once a minute: the dedupe check itself ignores them,
// so this only bounds the table's size.
const PRUNE_EVERY_MS = 60_000;

/** Decides each job's instance and completes the job, in the caller's transaction. */
async function decideJobs(tx: Tx, deps: RulesDeps, jobs: readonly Job[]): Promise<void> {
  for (const job of jobs) {
    await processTriggerInstance(tx, deps, (job.payload as { id: string }).id);
    await complete(tx, job.id);
  }
}

/**
 * One transaction for the whole batch; if it fails, each job on its own, so one bad
 * instance does not hold back the others (the failing one stays leased and is retried).
 */
function batchCommit(deps: RulesDeps): (jobs: readonly Job[]) => Promise<void> {
  return async (jobs) => {
    try {
      await deps.store.tx((tx) => decideJobs(tx, deps, jobs));
    } catch (err) {
      if (jobs.length === 1) throw err;
      const results = await Promise.allSettled(jobs.map((job) => deps.store.tx((tx) => decideJobs(tx, deps, [job]))));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  };
}

export function startRulesEngine(deps: RulesDeps, opts: RulesEngineOptions): Consumer {
  const log = deps.log.child({ role: 'rules' });
  const decide = createBatcher(batchCommit(deps), opts.concurrency);
  const consumer = startConsumer(deps.store, {
    queue: TRIGGER_INSTANCE_QUEUE,
    node: deps.executions.node,
    concurrency: opts.concurrency,
    leaseMs: opts.leaseMs,
    pollMs: opts.pollMs,
    now: deps.now,
    log,
    // decideJobs deleted the job in the batch's transaction: nothing left for the consumer to commit.
    async handle(job) {
      await decide(job);
      return 'completed';
    },
  });
  const prune = setInterval(() => {
    void deps.store.tx((tx) => pruneDeliveries(tx, deps.now())).catch((err: unknown) => log.warn({ err }, 'pruning delivery ids failed'));
  }, PRUNE_EVERY_MS);
  prune.unref();
  return {
    reserve: consumer.reserve,
    get inFlight() {
      return consumer.inFlight;
    },
    async stop() {
      clearInterval(prune);
      await consumer.stop();
    },
  };
}
