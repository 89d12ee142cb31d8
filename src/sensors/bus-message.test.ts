import { describe, expect, it } from 'vitest';
import { parseBody, type BusMessage } from './bus-message.js';
import { createBatcher } from '../store/batcher.js';

const msg = (n: number): BusMessage => ({ payload: { n }, deliveryId: String(n) });

describe('broker message bodies', () => {
  it('are JSON when they parse, else text', () => {
    expect(parseBody(Buffer.from('{"a": [1, 2]}'))).toEqual({ a: [1, 2] });
    expect(parseBody(Buffer.from('42'))).toBe(42);
    expect(parseBody(new TextEncoder().encode('on'))).toBe('on');
    expect(parseBody('{broken')).toBe('{broken');
  });
});

describe('group commit', () => {
  it('commits the messages that arrive during a commit together in the next one, each told after its own', async () => {
    const commits: number[][] = [];
    let release!: () => void;
    const firstCommit = new Promise<void>((r) => (release = r));
    const deliver = createBatcher<BusMessage>(async (batch) => {
      commits.push(batch.map((m) => m.payload.n as number));
      if (commits.length === 1) await firstCommit;
    });
    const done: number[] = [];
    const all = [1, 2, 3, 4].map((n) => deliver(msg(n)).then(() => done.push(n)));
    await new Promise((r) => setTimeout(r, 10));
    // 1..4 were queued before the first commit started, so they share it.
    expect(commits).toEqual([[1, 2, 3, 4]]);
    const later = [5, 6].map((n) => deliver(msg(n)).then(() => done.push(n)));
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toEqual([]);
    release();
    await Promise.all([...all, ...later]);
    expect(commits).toEqual([[1, 2, 3, 4], [5, 6]]);
    expect(done).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a failed commit rejects its own messages only', async () => {
    let calls = 0;
    const deliver = createBatcher(async () => {
      if (++calls === 1) throw new Error('store down');
    }, 2);
    const results = await Promise.allSettled([1, 2, 3].map((n) => deliver(msg(n))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });
});
