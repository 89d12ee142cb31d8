// Group commit: items that arrive while a commit is running go into the next commit, so a
// burst costs one transaction per batch instead of one per item. Each caller's promise
// settles once its own item's batch has committed (or failed).
import type { Store, Tx } from './types.js';

export function createBatcher<T>(commit: (items: readonly T[]) => Promise<void>, maxBatch = 500): (item: T) => Promise<void> {
  let waiting: Array<{ item: T; resolve: () => void; reject: (e: unknown) => void }> = [];
  let running = false;
  const drain = async () => {
    while (waiting.length) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        await commit(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    running = false;
  };
  return (item) => new Promise<void>((resolve, reject) => {
    waiting.push({ item, resolve, reject });
    if (running) return;
    running = true;
    queueMicrotask(() => void drain());
  });
}

/**
 * Group commit for request handlers: each caller's `work` runs in a transaction shared
 * with the callers that arrived meanwhile, under its own savepoint, so a failing one is
 * undone alone and gets its own error; every caller's promise settles after the commit.
 */
export function createTxBatcher(store: Store, maxBatch = 256): <R>(work: (tx: Tx) => Promise<R>) => Promise<R> {
  interface Item { work: (tx: Tx) => Promise<unknown>; outcome?: { ok: true; value: unknown } | { ok: false; error: unknown } }
  const commitBatch = createBatcher<Item>((items) => store.tx(async (tx) => {
    for (const item of items) {
      // An item's wake-ups and end hooks reach the shared transaction only if the item stays in it.
      const notes: Array<[string, string | undefined]> = [];
      const ends: Array<(committed: boolean) => void> = [];
      const scoped: Tx = { ...tx, notify: (channel, payload) => void notes.push([channel, payload]), onEnd: (fn) => void ends.push(fn) };
      await tx.run('savepoint batch_item');
      try {
        item.outcome = { ok: true, value: await item.work(scoped) };
        await tx.run('release savepoint batch_item');
        for (const [channel, payload] of notes) tx.notify(channel, payload);
        for (const fn of ends) tx.onEnd(fn);
      } catch (error) {
        await tx.run('rollback to savepoint batch_item');
        await tx.run('release savepoint batch_item');
        item.outcome = { ok: false, error };
        for (const fn of ends) fn(false);
      }
    }
  }), maxBatch);
  return async <R>(work: (tx: Tx) => Promise<R>): Promise<R> => {
    const item: Item = { work };
    await commitBatch(item);
    if (!item.outcome!.ok) throw item.outcome!.error;
    return item.outcome!.value as R;
  };
}
