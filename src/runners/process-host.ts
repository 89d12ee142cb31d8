// Action processes are forked by a helper process, not by the server. libuv forks on Linux and
// its event loop waits for each fork: from a server of ~110 MB that is ~3 ms of copied page
// tables per process (https://github.com/libuv/libuv/issues/1715), the main cost of a
// `core.local` execution. The host (process-host-child.ts) is a bare Node process whose forks
// are cheap; the server only exchanges a few IPC messages per process and kills process groups
// itself, by pid, as before. Started when a node starts running executions (or on first use),
// restarted after a crash (the processes it
// was watching fail and their groups are killed: none is left running unwatched).
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { packageRoot } from '../paths.js';
import { spawnedProcess, type Spawner, type SpawnedProcess, type SpawnRequest } from './process.js';

export type HostRequest = ({ t: 'spawn' } & SpawnRequest & { id: number }) | { t: 'abandon'; id: number };

export type HostEvent =
  | { t: 'spawn'; id: number; pid: number }
  | { t: 'out'; id: number; s: 1 | 2; b: Buffer | Uint8Array }
  | { t: 'error'; id: number; message: string; code: string | null }
  | { t: 'close'; id: number; code: number | null; signal: NodeJS.Signals | null };

// The built file, also when Squall runs from its sources (tests): the build is always there (bin, test setup).
const CHILD = join(packageRoot(), 'dist', 'src', 'runners', 'process-host-child.js');

export class ProcessHost {
  private host: ChildProcess | null = null;
  private readonly live = new Map<number, SpawnedProcess>();
  private nextId = 1;

  constructor(private readonly log: Pick<Logger, 'warn'>) {}

  /** A Spawner whose processes the host forks. */
  readonly spawn: Spawner = (req) => {
    const id = this.nextId++;
    const host = this.running();
    const p = spawnedProcess(() => this.send(host, { t: 'abandon', id }));
    this.live.set(id, p);
    this.send(host, { t: 'spawn', id, ...req });
    return p;
  };

  /** Starts the host now rather than at the first process (a node that runs executions: the first one does not wait for it). */
  warm(): void {
    this.running();
  }

  /** Stops the host; processes still running in their groups are not touched (runners cancel them first). */
  async close(): Promise<void> {
    const host = this.host;
    this.host = null;
    if (!host || host.exitCode !== null || host.signalCode !== null) return;
    const exited = new Promise((r) => host.once('exit', r));
    host.disconnect();
    await exited;
  }

  private running(): ChildProcess {
    if (this.host) return this.host;
    // No inherited flags (a profiler, an inspector): the host is plain, and its heap small.
    const host = fork(CHILD, [], { serialization: 'advanced', execArgv: ['--max-old-space-size=64'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    host.on('message', (ev: HostEvent) => this.deliver(ev));
    host.on('exit', (code, signal) => this.lost(host, code, signal));
    host.on('error', (err) => this.log.warn({ err }, 'process host: IPC error'));
    this.host = host;
    return host;
  }

  private send(host: ChildProcess, req: HostRequest): void {
    // A host that just died reports its processes lost (exit handler); nothing more to send it.
    if (host.connected) host.send(req);
  }

  private deliver(ev: HostEvent): void {
    const p = this.live.get(ev.id);
    if (!p) return;
    if (ev.t === 'spawn') p.onSpawn(ev.pid);
    else if (ev.t === 'out') p.onOutput(ev.s === 1 ? 'stdout' : 'stderr', Buffer.from(ev.b.buffer, ev.b.byteOffset, ev.b.byteLength));
    else {
      this.live.delete(ev.id);
      if (ev.t === 'close') p.onClose(ev.code, ev.signal);
      else p.onError(Object.assign(new Error(ev.message), { code: ev.code ?? undefined }));
    }
  }

  private lost(host: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.host === host) this.host = null;
    if (this.live.size === 0) return;
    this.log.warn({ code, signal, processes: this.live.size }, 'process host stopped; the processes it watched are failed and killed');
    const lost = [...this.live.values()];
    this.live.clear();
    for (const p of lost) p.onError(new Error(`the process host stopped (${signal ?? `exit ${code}`}) while the process ran`));
  }
}
