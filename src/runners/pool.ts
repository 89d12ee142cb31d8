// Warm code-action workers, per pack and runner: an execution takes an idle worker of its
// pack (or starts one), and gives it back when it ends. At most `size` workers per pack are
// kept warm; when all are busy an execution waits for one. If no execution of the pack ended
// for `waitMs` (its workers are all held by long actions), it gets a worker of its own that
// exits after it: long-running actions never hold up the others of their pack for long. A worker is let go after `idleMs` without work, after `maxExecutions`
// executions, when it died (time limit, crash), and when its pack was registered again.
import { CodeWorker, type WorkerSpec } from './worker.js';

export interface PoolOptions {
  /** Warm workers kept per pack and runner; 0 turns pooling off (one worker per execution). */
  size: number;
  idleMs: number;
  maxExecutions: number;
  /** Longest wait for a busy pack's worker before starting one for this execution alone. */
  waitMs?: number;
}

export const DEFAULT_POOL: PoolOptions = { size: 4, idleMs: 60_000, maxExecutions: 1_000 };
const DEFAULT_WAIT_MS = 1_000;

interface Slot {
  worker: CodeWorker;
  busy: boolean;
  /** The pack registration it was started for. */
  generation: number;
  idleTimer?: NodeJS.Timeout;
}

interface Group {
  generation: number;
  slots: Slot[];
  /** Executions waiting for a worker, first come first served. */
  waiting: Array<() => void>;
  /** Executions ended on this pack's workers so far (progress while waiting). */
  released: number;
}

export interface Lease {
  worker: CodeWorker;
  release(): void;
}

export class WorkerPool {
  private readonly groups = new Map<string, Group>();
  private closed = false;

  constructor(private readonly opts: PoolOptions) {}

  /**
   * A worker for `key` (pack, runner, interpreter): `generation` is when the pack was
   * registered (its actions' updated_at); a newer one lets the older workers go.
   */
  async acquire(key: string, generation: number, spec: () => WorkerSpec): Promise<Lease> {
    if (this.closed) {
      const worker = new CodeWorker(spec());
      return { worker, release: () => worker.stop() };
    }
    const group = this.groups.get(key) ?? { generation, slots: [], waiting: [], released: 0 };
    this.groups.set(key, group);
    if (generation > group.generation) {
      group.generation = generation;
    }
    for (const s of [...group.slots]) if (!s.busy && (!s.worker.alive || s.generation < group.generation)) this.drop(group, s);
    let slot = group.slots.find((s) => !s.busy);
    if (!slot && group.slots.filter((s) => s.generation >= group.generation).length < this.opts.size) {
      slot = { worker: new CodeWorker(spec()), busy: false, generation: group.generation };
      group.slots.push(slot);
    }
    if (!slot && this.opts.size > 0 && !this.closed) {
      // Wait for a release (or the deadline), then look again.
      let timer: NodeJS.Timeout | undefined;
      const freed = await new Promise<boolean>((resolve) => {
        const wake = () => resolve(true);
        group.waiting.push(wake);
        const check = (seen: number) => {
          timer = setTimeout(() => {
            // Executions of the pack keep ending: its workers are busy, not stuck; wait on.
            if (group.released > seen) return check(group.released);
            group.waiting = group.waiting.filter((w) => w !== wake);
            resolve(false);
          }, this.opts.waitMs ?? DEFAULT_WAIT_MS);
        };
        check(group.released);
      });
      clearTimeout(timer);
      if (freed) return this.acquire(key, generation, spec);
    }
    if (!slot) {
      const worker = new CodeWorker(spec());
      return { worker, release: () => worker.stop() };
    }
    const s = slot;
    clearTimeout(s.idleTimer);
    s.busy = true;
    return { worker: s.worker, release: () => this.release(group, s) };
  }

  private release(group: Group, s: Slot): void {
    s.busy = false;
    group.released++;
    if (!s.worker.alive || s.worker.executions >= this.opts.maxExecutions || s.generation < group.generation) this.drop(group, s);
    else {
      s.idleTimer = setTimeout(() => this.drop(group, s), this.opts.idleMs);
      s.idleTimer.unref();
    }
    group.waiting.shift()?.();
  }

  private drop(group: Group, s: Slot): void {
    clearTimeout(s.idleTimer);
    group.slots = group.slots.filter((x) => x !== s);
    s.worker.stop();
  }

  /** Workers kept now, for tests and the status page. */
  get size(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.slots.length;
    return n;
  }

  /** Lets every worker go (busy ones are killed): the node is stopping. */
  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) {
      for (const s of [...g.slots]) this.drop(g, s);
      for (const wake of g.waiting.splice(0)) wake();
    }
    this.groups.clear();
  }
}
