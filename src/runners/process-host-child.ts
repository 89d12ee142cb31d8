// The process host: a small Node process of Squall's that starts action processes for the
// server (see process-host.ts). It imports nothing but node:child_process, so its heap stays
// small and each fork copies few page tables; the server's event loop never waits on a fork.
// Protocol (IPC, advanced serialization): in `spawn` and `abandon`; out `spawn` (the pid),
// `out` (a chunk of stdout, s=1, or stderr, s=2), `error` (could not start), `close`.
import { spawn, type ChildProcess } from 'node:child_process';
import type { HostRequest, HostEvent } from './process-host.js';

const children = new Map<number, ChildProcess>();
const send = (event: HostEvent) => process.send!(event);

function start(id: number, req: Extract<HostRequest, { t: 'spawn' }>): void {
  // detached: the child leads a new process group, so one kill(-pid) reaches every process it started.
  const child = spawn(req.command, req.args, {
    cwd: req.cwd, env: req.env, detached: true,
    stdio: [req.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  children.set(id, child);
  child.on('spawn', () => send({ t: 'spawn', id, pid: child.pid! }));
  child.stdout!.on('data', (b: Buffer) => send({ t: 'out', id, s: 1, b }));
  child.stderr!.on('data', (b: Buffer) => send({ t: 'out', id, s: 2, b }));
  if (req.input !== undefined) {
    // The child may exit without reading its input: EPIPE then is nobody's failure.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(req.input);
  }
  child.on('error', (err: NodeJS.ErrnoException) => {
    children.delete(id);
    send({ t: 'error', id, message: err.message, code: err.code ?? null });
  });
  child.on('close', (code, signal) => {
    if (!children.delete(id)) return;
    send({ t: 'close', id, code, signal });
  });
}

process.on('message', (req: HostRequest) => {
  if (req.t === 'spawn') start(req.id, req);
  else {
    const child = children.get(req.id);
    child?.stdout?.destroy();
    child?.stderr?.destroy();
  }
});
// The server is gone (a send to it failing with EPIPE says so too): so is the reason to be here.
// Its action processes live on in their groups, as they did when the server forked them.
process.on('disconnect', () => process.exit(0));
process.on('error', () => process.exit(0));
