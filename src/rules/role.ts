// The `rules` role: consumes the trigger-instances queue. Each instance is decided in one
// transaction (see engine.ts); the queue's lease hands it to another node if this one dies.
import { startConsumer, type Consumer } from '../store/consumer.js';
import { pruneDeliveries } from '../store/events.js';
import { TRIGGER_INSTANCE_QUEUE } from '../events/dispatch.js';
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

export function startRulesEngine(deps: RulesDeps, opts: RulesEngineOptions): Consumer {
  const log = deps.log.child({ role: 'rules' });
  const consumer = startConsumer(deps.store, {
    queue: TRIGGER_INSTANCE_QUEUE,
    node: deps.executions.node,
    concurrency: opts.concurrency,
    leaseMs: opts.leaseMs,
    pollMs: opts.pollMs,
    now: deps.now,
    log,
    async handle(job) {
      const { id } = job.payload as { id: string };
      await deps.store.tx((tx) => processTriggerInstance(tx, deps, id));
    },
  });
  const prune = setInterval(() => {
    void deps.store.tx((tx) => pruneDeliveries(tx, deps.now())).catch((err: unknown) => log.warn({ err }, 'pruning delivery ids failed'));
  }, PRUNE_EVERY_MS);
  prune.unref();
  return {
    wake: consumer.wake,
    get inFlight() {
      return consumer.inFlight;
    },
    async stop() {
      clearInterval(prune);
      await consumer.stop();
    },
  };
}
