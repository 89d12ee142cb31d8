// Runs the jobs of one queue on this node: claims as many as it has free slots, keeps
// their leases alive, and sleeps until a wake-up, the next due job, or the fallback poll.
//
// Claims within one turn of the event loop are bounded. On SQLite a job runs start to end in
// promise continuations (the driver is synchronous), and every commit's wake-up is one
// setImmediate; when each wake-up claimed at once, a claim made in the check phase ran its
// jobs there, their commits queued more wake-ups for the next check phase, and so on: during
// a 10,000-item with-items fan-out the loop never reached timers or I/O for 27 s (no API
// answer, no lease heartbeat; past Fastify's 72 s keep-alive timer the API's own sockets
// were reset). Now the wake-ups of a turn share one claim on the next turn, and a consumer
// whose jobs end meanwhile claims again at once only within TURN_BUDGET_MS of that claim.
import type { Logger } from 'pino';
import type { Store } from './types.js';
import { claim, complete, heartbeat, nextWake, queueChannel, retryLater, type Job, type LocalConsumer } from './queue.js';

/**
 * How a job ended: void (done: the consumer deletes it), retry later, or 'completed' when the
 * handler already deleted it with `complete` in its own last transaction (one commit less).
 */
export type JobOutcome = { retryAt: number; error: string } | 'completed' | void;

export interface ConsumerOptions {
  queue: string;
  node: string;
  concurrency: number;
  /** Lease length; heartbeats renew it every third of it. */
  leaseMs: number;
  /** Safety net for wake-ups lost to a dropped connection; wake-ups normally come by notify. */
  pollMs: number;
  now: () => number;
  log: Logger;
  /** Handles one job; must be idempotent (a job is retaken if its node dies). */
  handle(job: Job): Promise<JobOutcome>;
}

export interface Consumer extends LocalConsumer {
  /** Stops claiming and waits for the jobs in flight. */
  stop(): Promise<void>;
  readonly inFlight: number;
}

// Long enough for the rules engine to decide in one turn the action-trigger instances of the
// 64 executions the scheduler can end in one (about 0.3 ms each); short enough that during a
// 10,000-item fan-out timers ran at most 0.45 s late on the busy 2-core machine (was 27 s).
const TURN_BUDGET_MS = 50;

export function startConsumer(store: Store, opts: ConsumerOptions): Consumer {
  const running = new Map<string, Promise<void>>();
  // Slots promised to jobs this node is writing (enqueue with a local consumer), not yet handed over.
  let reserved = 0;
  // Slots the claim in flight asked for: not promised to local jobs meanwhile (or both would fill them).
  let claiming = 0;
  let unreserved: (() => void) | null = null;
  let stopped = false;
  let pumping = false;
  let again = false;
  let wakeQueued = false;
  // When this consumer's current stretch of claims began (its clock); claims within the budget go on at once.
  let stretchFrom = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;

  const finish = async (job: Job, outcome: JobOutcome): Promise<void> => {
    if (outcome === 'completed') return;
    await store.tx(async (tx) => {
      if (outcome) await retryLater(tx, job, outcome.retryAt, outcome.error);
      else await complete(tx, job.id);
    });
  };

  const runJob = (job: Job): void => {
    const p = opts
      .handle(job)
      .then((outcome) => finish(job, outcome))
      .catch((err: unknown) => {
        // The job stays leased; when the lease runs out it is claimed again.
        opts.log.error({ err, jobId: job.id, queue: job.queue }, 'job failed; it will be retried after its lease');
      })
      .finally(() => {
        running.delete(job.id);
        wake();
      });
    running.set(job.id, p);
  };

  /** Claims now within the budget of the current stretch, else once on the next turn (wake-ups until then share it). */
  function wake(): void {
    if (stopped) return;
    if (opts.now() - stretchFrom < TURN_BUDGET_MS) {
      void pump();
      return;
    }
    if (wakeQueued) return;
    wakeQueued = true;
    setImmediate(() => {
      wakeQueued = false;
      stretchFrom = opts.now();
      void pump();
    });
  }

  const pump = async (): Promise<void> => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    again = false;
    let more = false;
    try {
      const free = opts.concurrency - running.size - reserved;
      if (stopped || free <= 0) return;
      claiming = free;
      const jobs = await store.tx((tx) => claim(tx, opts.queue, opts.node, free, opts.leaseMs, opts.now()));
      claiming = 0;
      for (const job of jobs) runJob(job);
      more = jobs.length === free;
      if (!more) {
        const due = await store.read((tx) => nextWake(tx, opts.queue));
        schedule(due === null ? opts.pollMs : Math.min(opts.pollMs, Math.max(0, due - opts.now())));
      }
    } catch (err) {
      opts.log.error({ err, queue: opts.queue }, 'claiming jobs failed; retrying');
      schedule(Math.min(opts.pollMs, 1000));
      again = false;
    } finally {
      claiming = 0;
      pumping = false;
    }
    // More may be due, or a wake-up came during the claim.
    if (more || again) wake();
  };

  // Keeps only the earliest pending wake-up.
  function schedule(delayMs: number): void {
    const at = opts.now() + delayMs;
    if (stopped || at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timerAt = Infinity;
      void pump();
    }, delayMs);
  }

  const beat = setInterval(() => {
    if (running.size === 0) return;
    void store
      .tx((tx) => heartbeat(tx, [...running.keys()], opts.node, opts.leaseMs, opts.now()))
      .catch((err: unknown) => opts.log.warn({ err }, 'heartbeat failed'));
  }, Math.max(50, Math.floor(opts.leaseMs / 3)));
  beat.unref();

  const unlisten = store.listen(queueChannel(opts.queue), wake);
  void pump();

  const reserve = (now: number) => {
    if (stopped || running.size + reserved + claiming >= opts.concurrency) return null;
    reserved++;
    return {
      owner: opts.node,
      leaseUntil: now + opts.leaseMs,
      deliver(job: Job | null) {
        reserved--;
        // Handed over even while stopping: stop() waits for it like any job in flight.
        if (job) runJob(job);
        else schedule(0);
        if (reserved === 0) unreserved?.();
      },
    };
  };

  return {
    reserve,
    get inFlight() {
      return running.size;
    },
    async stop() {
      stopped = true;
      unlisten();
      if (timer) clearTimeout(timer);
      clearInterval(beat);
      if (reserved > 0) await new Promise<void>((resolve) => (unreserved = resolve));
      await Promise.allSettled([...running.values()]);
    },
  };
}
