// Warm code-action workers, per pack and runner: an execution takes an idle worker of its
// pack (or starts one), and gives it back when it ends. At most `size` workers per pack are
// kept warm; an execution beyond them gets a worker of its own that exits after it (nothing
// waits in a queue). A worker is let go after `idleMs` without work, after `maxExecutions`
// executions, when it died (time limit, crash), and when its pack was registered again.
import { CodeWorker, type WorkerSpec } from './worker.js';

export interface PoolOptions {
  /** Warm workers kept per pack and runner; 0 turns pooling off (one worker per execution). */
  size: number;
  idleMs: number;
  maxExecutions: number;
}

export const DEFAULT_POOL: PoolOptions = { size: 4, idleMs: 60_000, maxExecutions: 1_000 };

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
}

export interface Lease {
  worker: CodeWorker;
  release(): void;
}

export class WorkerPool {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly opts: PoolOptions) {}

  /**
   * A worker for `key` (pack, runner, interpreter): `generation` is when the pack was
   * registered (its actions' updated_at); a newer one lets the older workers go.
   */
  acquire(key: string, generation: number, spec: WorkerSpec): Lease {
    const group = this.groups.get(key) ?? { generation, slots: [] };
    this.groups.set(key, group);
    if (generation > group.generation) {
      group.generation = generation;
    }
    for (const s of [...group.slots]) if (!s.busy && (!s.worker.alive || s.generation < group.generation)) this.drop(group, s);
    let slot = group.slots.find((s) => !s.busy);
    if (!slot && group.slots.filter((s) => s.generation >= group.generation).length < this.opts.size) {
      slot = { worker: new CodeWorker(spec), busy: false, generation: group.generation };
      group.slots.push(slot);
    }
    if (!slot) {
      const worker = new CodeWorker(spec);
      return { worker, release: () => worker.stop() };
    }
    const s = slot;
    clearTimeout(s.idleTimer);
    s.busy = true;
    return { worker: s.worker, release: () => this.release(group, s) };
  }

  private release(group: Group, s: Slot): void {
    s.busy = false;
    if (!s.worker.alive || s.worker.executions >= this.opts.maxExecutions || s.generation < group.generation) return this.drop(group, s);
    s.idleTimer = setTimeout(() => this.drop(group, s), this.opts.idleMs);
    s.idleTimer.unref();
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
    for (const g of this.groups.values()) for (const s of [...g.slots]) this.drop(g, s);
    this.groups.clear();
  }
}
