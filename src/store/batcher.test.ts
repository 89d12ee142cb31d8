import { expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/backends.js';
import { createTxBatcher } from './batcher.js';
import { enqueue } from './queue.js';

describeBackends('group commit of request work', ({ open }) => {
  it('runs concurrent callers in shared transactions; a failing one is undone alone and gets its own error', async () => {
    const store = await open();
    const inTx = createTxBatcher(store);
    const put = (n: number, fail = false) => inTx(async (tx) => {
      await enqueue(tx, { queue: 'batch', payload: { n }, runAt: 0 }, 0);
      if (fail) throw new Error(`item ${n} failed`);
      return n;
    });
    const results = await Promise.allSettled([put(1), put(2, true), put(3), put(4)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([1, 'item 2 failed', 3, 4]);
    const rows = await store.read((tx) => tx.all<{ payload: string }>("select payload from jobs where queue = 'batch'"));
    expect(rows.map((r) => JSON.parse(r.payload).n).sort()).toEqual([1, 3, 4]);
  });
});
