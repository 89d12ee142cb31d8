// Group commit: items that arrive while a commit is running go into the next commit, so a
// burst costs one transaction per batch instead of one per item. Each caller's promise
// settles once its own item's batch has committed (or failed).

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
