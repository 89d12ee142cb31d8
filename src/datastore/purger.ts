// Expired keys are invisible at once (every read checks expire_at) and deleted here, on
// an interval, so their delete triggers fire and the table does not grow.
import type { DatastoreDeps } from './service.js';
import { purgeExpired } from './service.js';

export function startKvPurger(deps: DatastoreDeps & { log: { warn(obj: object, msg: string): void } }, everyMs = 10_000): { stop(): void } {
  const timer = setInterval(() => {
    purgeExpired(deps).catch((err: unknown) => deps.log.warn({ err }, 'purging expired datastore keys failed'));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
