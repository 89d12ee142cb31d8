// Retention: executions (with their output) older than the configured age are purged in
// small batches, each its own short transaction, so purging never blocks the work. The
// rules module purges trigger instances and rule enforcements the same way.
import type { Logger } from 'pino';
import { SquallError } from '../errors.js';
import { purgeExecutions } from '../store/executions.js';
import type { Store, Tx } from '../store/types.js';
import type { ExecutionDeps } from './deps.js';

const BATCH = 500;
const EVERY_MS = 60 * 60_000;

/** Runs `purge` (deleting up to `batch` rows) in one short transaction after another until a batch comes back short. */
export async function purgeInBatches(store: Store, purge: (tx: Tx, batch: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await store.tx((tx) => purge(tx, BATCH));
    total += n;
    if (n < BATCH) return total;
    await new Promise((r) => setImmediate(r));
  }
}

/** Deletes ended executions created before `before` (epoch ms); returns how many. */
export function purgeOlderThan(deps: Pick<ExecutionDeps, 'store'>, before: number): Promise<number> {
  return purgeInBatches(deps.store, (tx, batch) => purgeExecutions(tx, before, batch));
}

/** Purges executions hourly (first run a minute after start); days = 0 turns retention off. */
export function startRetention(deps: Pick<ExecutionDeps, 'store' | 'now' | 'log'>, days: number): { stop(): void } {
  return startPeriodicPurge(deps, days, 'executions', (before) => purgeOlderThan(deps, before));
}

/**
 * Calls `purge(now - days)` hourly (first run a minute after start) and logs what it
 * deleted as `what`; days = 0 turns it off.
 */
export function startPeriodicPurge(deps: { now: () => number; log: Logger }, days: number, what: string, purge: (before: number) => Promise<number>): { stop(): void } {
  if (days <= 0) return { stop() {} };
  const run = () => {
    purge(deps.now() - days * 86_400_000)
      .then((n) => n && deps.log.info({ purged: n, days }, `retention purged old ${what}`))
      .catch((err: unknown) => deps.log.error({ err }, `retention purge of ${what} failed`));
  };
  const first = setTimeout(run, 60_000);
  const timer = setInterval(run, EVERY_MS);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}

/** "30d", "12h", "90m", "45s" → milliseconds; PARAMETERS_INVALID otherwise. */
export function parseAge(age: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(age.trim());
  if (!m) throw new SquallError('PARAMETERS_INVALID', `older_than: expected an age like 30d, 12h, 90m or 45s (got "${age}")`, { field: 'older_than' });
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
