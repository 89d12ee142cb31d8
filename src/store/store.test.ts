import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from './index.js';
import pino from 'pino';
import { describeBackends } from '../../test/helpers/backends.js';
import { claim, complete, depths, enqueue, heartbeat, nextWake, queueChannel, retryLater, deleteByRef } from './queue.js';
import type { Store } from './types.js';
import { startConsumer } from './consumer.js';
import { migrate } from './migrate.js';
import { hasCode } from '../errors.js';
import { newId } from './ids.js';

const until = async (cond: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** PostgreSQL starts listening asynchronously: resolves once a wake-up on `channel` gets through. */
async function untilListening(store: Store, channel: string): Promise<void> {
  let heard = false;
  const off = store.listen(channel, (payload) => (heard ||= payload === 'probe'));
  await until(async () => {
    await store.tx(async (tx) => tx.notify(channel, 'probe'));
    await new Promise((r) => setTimeout(r, 20));
    return heard;
  });
  off();
}

describeBackends('store and work queue', ({ open, backend }) => {
  it('commits a transaction and rolls back a failed one', async () => {
    const store = await open();
    await store.tx((tx) => enqueue(tx, { queue: 'q', payload: { n: 1 }, runAt: 0 }, 0));
    await expect(store.tx(async (tx) => {
      await enqueue(tx, { queue: 'q', payload: { n: 2 }, runAt: 0 }, 0);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    const n = await store.read((tx) => tx.get<{ n: number }>('select count(*) as n from jobs'));
    expect(Number(n!.n)).toBe(1);
  });

  it('undoes failing transactions alone among concurrent ones, the first of a group too; only committed ones notify', async () => {
    const store = await open();
    const heard: string[] = [];
    store.listen('squall_q_q', (payload) => heard.push(payload));
    await untilListening(store, 'squall_q_q');
    // Asked for together: on the embedded store they share one commit (group commit), where
    // the first runs without a savepoint and the others under one each.
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => store.tx(async (tx) => {
      await enqueue(tx, { queue: 'q', payload: { n }, runAt: 1000 + n }, 0);
      if (n === 1 || n === 3) throw new Error(`boom ${n}`);
      return n;
    })));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['boom 1', 2, 'boom 3', 4, 5]);
    const rows = await store.read((tx) => tx.all<{ payload: string }>('select payload from jobs order by run_at'));
    expect(rows.map((r) => JSON.parse(r.payload).n)).toEqual([2, 4, 5]);
    const woken = () => heard.filter((h) => h !== 'probe').sort();
    await until(() => woken().length === 3);
    expect(woken()).toEqual(['1002', '1004', '1005']);
  });


  it('claims due jobs once, leases them, and hands out expired leases again', async () => {
    const store = await open();
    await store.tx(async (tx) => {
      await enqueue(tx, { queue: 'q', payload: 'a', runAt: 100 }, 100);
      await enqueue(tx, { queue: 'q', payload: 'later', runAt: 5000 }, 100);
      await enqueue(tx, { queue: 'other', payload: 'x', runAt: 100 }, 100);
    });
    const first = await store.tx((tx) => claim(tx, 'q', 'node-a', 10, 1000, 200));
    expect(first.map((j) => j.payload)).toEqual(['a']);
    expect(await store.tx((tx) => claim(tx, 'q', 'node-b', 10, 1000, 300))).toEqual([]);
    // node-a's lease runs out at 1200: node-b takes the job over.
    const again = await store.tx((tx) => claim(tx, 'q', 'node-b', 10, 1000, 1300));
    expect(again.map((j) => [j.payload, j.attempts])).toEqual([['a', 2]]);
    expect(await store.tx((tx) => heartbeat(tx, [again[0]!.id], 'node-a', 1000, 1400))).toBe(0);
    expect(await store.tx((tx) => heartbeat(tx, [again[0]!.id], 'node-b', 1000, 1400))).toBe(1);
    expect(await store.read((tx) => nextWake(tx, 'q'))).toBe(2400);
    await store.tx((tx) => complete(tx, again[0]!.id));
    expect(await store.read((tx) => nextWake(tx, 'q'))).toBe(5000);
  });

  it('retries a job later and deletes jobs by ref', async () => {
    const store = await open();
    await store.tx((tx) => enqueue(tx, { queue: 'q', payload: 1, ref: 'e1', runAt: 0 }, 0));
    const [job] = await store.tx((tx) => claim(tx, 'q', 'n', 1, 1000, 0));
    await store.tx((tx) => retryLater(tx, job!, 500, 'busy'));
    expect(await store.tx((tx) => claim(tx, 'q', 'n', 1, 1000, 100))).toEqual([]);
    expect((await store.tx((tx) => claim(tx, 'q', 'n', 1, 1000, 600))).length).toBe(1);
    expect(await store.tx((tx) => deleteByRef(tx, 'q', 'e1'))).toBe(1);
  });

  it('counts each queue\'s jobs as ready, delayed and leased; known empty queues show zeros', async () => {
    const store = await open();
    await store.tx(async (tx) => {
      for (const runAt of [100, 100, 100]) await enqueue(tx, { queue: 'q', payload: runAt, runAt }, 100);
      await enqueue(tx, { queue: 'q', payload: 'later', runAt: 5000 }, 100);
      await enqueue(tx, { queue: 'unlisted', payload: 'x', runAt: 100 }, 100);
    });
    await store.tx((tx) => claim(tx, 'q', 'node-a', 1, 1000, 200));
    const at = (now: number) => store.read((tx) => depths(tx, ['q', 'empty'], now));
    expect(await at(300)).toEqual({
      q: { ready: 2, delayed: 1, leased: 1 },
      empty: { ready: 0, delayed: 0, leased: 0 },
      unlisted: { ready: 1, delayed: 0, leased: 0 },
    });
    // The lease ran out at 1200 and the later job fell due at 5000: all four are claimable.
    expect((await at(6000)).q).toEqual({ ready: 4, delayed: 0, leased: 0 });
  });

  it('never hands one job to two concurrent claimers', async () => {
    const a = await open();
    await a.tx(async (tx) => {
      for (let i = 0; i < 200; i++) await enqueue(tx, { queue: 'q', payload: i, runAt: 0 }, 0);
    });
    const claimed: unknown[] = [];
    await Promise.all(Array.from({ length: 8 }, (_, w) => (async () => {
      for (;;) {
        const jobs = await a.tx((tx) => claim(tx, 'q', `w${w}`, 7, 60_000, 1));
        if (jobs.length === 0) return;
        claimed.push(...jobs.map((j) => j.payload));
      }
    })()));
    expect(claimed.length).toBe(200);
    expect(new Set(claimed).size).toBe(200);
  });

  it('wakes a consumer by notify and runs every job exactly once', async () => {
    const store = await open();
    const seen: number[] = [];
    const consumer = startConsumer(store, {
      queue: 'work', node: 'n1', concurrency: 4, leaseMs: 5000, pollMs: 60_000, now: Date.now,
      log: pino({ level: 'silent' }),
      async handle(job) {
        seen.push(job.payload as number);
      },
    });
    // The poll is a minute away: only the wake-up can deliver these in time.
    await new Promise((r) => setTimeout(r, 100));
    await store.tx(async (tx) => {
      for (let i = 0; i < 20; i++) await enqueue(tx, { queue: 'work', payload: i, runAt: Date.now() }, Date.now());
    });
    await until(() => seen.length === 20);
    await consumer.stop();
    expect([...seen].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    const left = await store.read((tx) => tx.get<{ n: number }>('select count(*) as n from jobs'));
    expect(Number(left!.n)).toBe(0);
  });

  /**
   * A with-items fan-out in miniature: each job, as it ends, enqueues the next item in its own
   * transaction; each job takes `jobMs` of the consumer's clock. Returns the most jobs that
   * ended between two turns of the event loop (counted by an immediate that re-arms itself).
   */
  async function mostJobsPerTurn(jobMs: number): Promise<number> {
    const store = await open();
    const items = 300;
    const width = 50;
    let clock = Date.now();
    let done = 0;
    const consumer = startConsumer(store, {
      queue: 'fanout', node: 'n1', concurrency: 8, leaseMs: 1e9, pollMs: 60_000, now: () => clock,
      log: pino({ level: 'silent' }),
      async handle(job) {
        clock += jobMs;
        const next = (job.payload as number) + width;
        if (next < items) await store.tx((tx) => enqueue(tx, { queue: 'fanout', payload: next, runAt: clock }, clock));
        done++;
      },
    });
    let most = 0;
    let seen = 0;
    const turn = () => {
      most = Math.max(most, done - seen);
      seen = done;
      if (done < items) setImmediate(turn);
    };
    await untilListening(store, queueChannel('fanout'));
    setImmediate(turn);
    await store.tx(async (tx) => {
      for (let i = 0; i < width; i++) await enqueue(tx, { queue: 'fanout', payload: i, runAt: clock }, clock);
    });
    // A deadline for a loaded PostgreSQL (some 900 transactions), inside the test timeout; not a speed check.
    await until(() => done === items, 20_000);
    await consumer.stop();
    // The jobs that ended since the last turn was counted ended within one turn too.
    return Math.max(most, done - seen);
  }

  it('lets the event loop turn while finishing jobs keep waking the consumer', async () => {
    // Jobs of a second each: past the turn's budget at once, so one claim per wake-up of the
    // turn and one on the due-job timer. Claiming on every wake-up ran the whole fan-out in
    // one phase of the event loop: timers and I/O (the API, lease heartbeats) waited for it.
    expect(await mostJobsPerTurn(1000)).toBeLessThanOrEqual(2 * 8);
  });

  it('lets timers and I/O run between the transactions of a chain (each waits for the one before)', async () => {
    const store = await open();
    let timerFiredAt = -1;
    let committed = 0;
    setTimeout(() => void (timerFiredAt = committed), 0);
    // On the embedded store the driver is synchronous: a chain ran to its end in one phase of
    // the event loop until each group got a turn of its own.
    for (let i = 0; i < 200; i++) {
      await store.tx((tx) => enqueue(tx, { queue: 'chain', payload: i, runAt: 0 }, 0));
      committed++;
    }
    await new Promise((r) => setTimeout(r, 5));
    expect(timerFiredAt).toBeGreaterThanOrEqual(0);
    expect(timerFiredAt).toBeLessThan(200);
  });

  it('hands a due job to the node consumer without a claim, up to its free slots; a rolled-back one frees its slot', async () => {
    const store = await open();
    const seen: number[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const consumer = startConsumer(store, {
      queue: 'local', node: 'n1', concurrency: 2, leaseMs: 60_000, pollMs: 60_000, now: Date.now,
      log: pino({ level: 'silent' }),
      async handle(job) {
        seen.push(job.payload as number);
        await held;
      },
    });
    await expect(store.tx(async (tx) => {
      await enqueue(tx, { queue: 'local', payload: 0, runAt: Date.now() }, Date.now(), consumer);
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    // Three due jobs for two free slots: two go straight to the consumer, leased to it; one waits in the queue.
    await store.tx(async (tx) => {
      for (const n of [1, 2, 3]) await enqueue(tx, { queue: 'local', payload: n, runAt: Date.now() }, Date.now(), consumer);
    });
    await until(() => seen.length === 2);
    const rows = await store.read((tx) => tx.all<{ payload: string; lease_owner: string | null; attempts: number }>('select payload, lease_owner, attempts from jobs order by payload'));
    expect(rows.map((r) => [JSON.parse(r.payload), r.lease_owner, Number(r.attempts)])).toEqual([[1, 'n1', 1], [2, 'n1', 1], [3, null, 0]]);
    release();
    await until(() => seen.length === 3);
    await consumer.stop();
    expect(seen).toEqual([1, 2, 3]);
  });

  it(`refuses a schema newer than the code (${backend})`, async () => {
    const store = await open();
    await store.tx((tx) => tx.run('insert into schema_migrations (version, name, applied_at) values (9999, $1, 0)', ['future']));
    const err = await migrate(store, Date.now).catch((e: unknown) => e);
    expect(hasCode(err, 'SCHEMA_TOO_NEW')).toBe(true);
  });
});

describe('embedded store', () => {
  it('copies committed pages into the database file once the writer is idle (no 1,000-page autocheckpoint)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-ckpt-'));
    const store = await openStore({ url: join(dir, 'squall.db') });
    try {
      const before = statSync(join(dir, 'squall.db')).size;
      // 2 MB in one transaction: 500 pages, below the mark at which SQLite itself would checkpoint.
      await store.tx((tx) => enqueue(tx, { queue: 'big', payload: 'x'.repeat(2_000_000), runAt: 0 }, 0));
      await until(() => statSync(join(dir, 'squall.db')).size >= before + 2_000_000);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checkpoints while the writer never idles (on a thread of its own), loses nothing, and closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-ckpt-'));
    const file = join(dir, 'squall.db');
    let store = await openStore({ url: file });
    try {
      const before = statSync(file).size;
      // Transaction after transaction for 2.5 s, each waiting for the one before: no idle moment.
      let n = 0;
      let grewWhileBusy = false;
      const end = Date.now() + 2500;
      while (Date.now() < end) {
        await store.tx((tx) => enqueue(tx, { queue: 'busy', payload: `${n}:${'x'.repeat(4000)}`, runAt: 0 }, 0));
        n++;
        grewWhileBusy ||= statSync(file).size > before + 1_000_000;
      }
      expect(grewWhileBusy).toBe(true);
      await store.close();
      store = await openStore({ url: file });
      const count = await store.read((tx) => tx.get<{ n: number }>("select count(*) as n from jobs where queue = 'busy'"));
      expect(Number(count!.n)).toBe(n);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the code after close() in a process whose store started the checkpointer thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-ckpt-'));
    const dist = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'src', 'store', file)).href);
    // A script with nothing else to keep its event loop alive: an unref'd thread let it end inside close().
    const script = `
      import { readdirSync } from 'node:fs';
      import { openStore } from ${dist('index.js')};
      import { enqueue } from ${dist('queue.js')};
      const threads = () => readdirSync('/proc/self/task').length;
      const store = await openStore({ url: ${JSON.stringify(join(dir, 'squall.db'))} });
      const before = threads();
      const end = Date.now() + 1500;
      while (Date.now() < end) await store.tx((tx) => enqueue(tx, { queue: 'busy', payload: 'x'.repeat(4000), runAt: 0 }, 0));
      await new Promise((r) => setTimeout(r, 200));
      const during = threads();
      await store.close();
      console.log(JSON.stringify({ started: during > before, after: 'close' }));`;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
      expect(JSON.parse(stdout)).toEqual({ started: true, after: 'close' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite placeholders', () => {
  it('maps $n to named parameters', async () => {
    const { toSqliteSql, toSqliteParams } = await import('./placeholders.js');
    expect(toSqliteSql('select $1, $2, $1')).toBe('select $p1, $p2, $p1');
    expect(toSqliteParams([true, undefined, 'x'])).toEqual({ p1: 1, p2: null, p3: 'x' });
  });
});

describe('ids', () => {
  it('makes ids that are unique and only grow within a process (ObjectId-shaped)', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => newId(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    // The first 4 bytes are the seconds, as in st2's ids.
    expect(parseInt(ids[0]!.slice(0, 8), 16)).toBe(1_700_000_000);
  });
});
