// A code-action worker: one long-lived host process (node or python) that runs executions
// one after another. Each request is one JSON line on its stdin; what the process writes on
// stdout/stderr until the execution's end markers belongs to that execution. The end
// markers carry a per-execution nonce: `<marker><nonce> result <json>` (optional) and
// `<marker><nonce> done <exit code>` on stdout, `<marker><nonce> done` on stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_KILL_GRACE_MS, killGroup, lineSplitter } from './process.js';
import type { OutputStream } from './types.js';

export interface WorkerSpec {
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment of the worker; per-execution variables travel in the request. */
  env: Record<string, string>;
}

export type ChildAnswer = { ok: true; result: unknown; status?: string } | { ok: false; error: string; traceback?: string };

export interface ExecuteOptions {
  /** The request line's object; must carry `nonce` and `result_marker`. */
  request: { nonce: string; result_marker: string } & Record<string, unknown>;
  timeoutMs: number;
  signal: AbortSignal;
  onLine(stream: OutputStream, line: string): void;
}

export interface Executed {
  answer: ChildAnswer | null;
  stdout: string;
  stderr: string;
  /** The execution's exit code (its process's, or the worker's when the worker died). */
  return_code: number;
  timedOut: boolean;
  canceled: boolean;
  /** The worker is gone (killed, crashed or exited): it takes no more executions. */
  dead: boolean;
}

// As process.ts: most characters of stdout + stderr kept in one execution's result.
const MAX_OUTPUT_CHARS = 100 * 1024 * 1024;

interface Current {
  marker: string;
  out: string[];
  err: string[];
  left: number;
  answer: ChildAnswer | null;
  exit: number | null;
  stderrDone: boolean;
  opts: ExecuteOptions;
  finish(r: Omit<Executed, 'stdout' | 'stderr' | 'answer'>): void;
}

export class CodeWorker {
  private readonly child: ChildProcess;
  private current: Current | null = null;
  private exitCode: number | null = null;
  private startError: Error | null = null;
  private killing = false;
  executions = 0;

  constructor(spec: WorkerSpec) {
    // detached: the worker leads its own process group, so a kill reaches what the action started.
    this.child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = lineSplitter('stdout', (s, l) => this.line(s, l));
    const err = lineSplitter('stderr', (s, l) => this.line(s, l));
    this.child.stdout!.on('data', (c: Buffer) => out.write(c));
    this.child.stderr!.on('data', (c: Buffer) => err.write(c));
    this.child.stdin!.on('error', () => {}); // EPIPE from a worker that died: 'close' reports it.
    this.child.on('error', (e) => {
      this.startError = e;
      this.closed(-1);
    });
    this.child.on('close', (code, signal) => {
      out.end();
      err.end();
      this.closed(code ?? -(signal === 'SIGTERM' ? 15 : 9));
    });
  }

  get alive(): boolean {
    return this.exitCode === null && this.startError === null && !this.killing;
  }

  /** Runs one execution; rejects only when the worker process cannot be started. */
  execute(opts: ExecuteOptions): Promise<Executed> {
    if (!this.alive) return Promise.reject(this.startError ?? new Error('the worker has exited'));
    return new Promise<Executed>((resolve, reject) => {
      const timer = opts.timeoutMs > 0 ? setTimeout(() => this.kill('timedOut'), opts.timeoutMs) : undefined;
      const onAbort = () => this.kill('canceled');
      opts.signal.addEventListener('abort', onAbort, { once: true });
      const cur: Current = {
        marker: `${opts.request.result_marker}${opts.request.nonce} `, out: [], err: [], left: MAX_OUTPUT_CHARS,
        answer: null, exit: null, stderrDone: false, opts,
        finish: (r) => {
          clearTimeout(timer);
          opts.signal.removeEventListener('abort', onAbort);
          this.current = null;
          if (this.startError) return reject(this.startError);
          resolve({ ...r, answer: cur.answer, stdout: cur.out.join('\n').replace(/\n+$/, ''), stderr: cur.err.join('\n').replace(/\n+$/, '') });
        },
      };
      this.current = cur;
      this.reason = null;
      if (opts.signal.aborted) return this.kill('canceled');
      this.child.stdin!.write(JSON.stringify(opts.request) + '\n');
    });
  }

  private reason: 'timedOut' | 'canceled' | null = null;

  /** Ends the worker: SIGTERM to its group, SIGKILL after the grace time. */
  kill(reason: 'timedOut' | 'canceled' | null = null): void {
    if (reason && this.current && !this.reason) this.reason = reason;
    if (this.killing || this.exitCode !== null || this.child.pid === undefined) return;
    this.killing = true;
    killGroup(this.child.pid, 'SIGTERM');
    const pid = this.child.pid;
    setTimeout(() => {
      killGroup(pid, 'SIGKILL');
      // A process that left the group may still hold the pipes: stop waiting for them.
      setTimeout(() => {
        this.child.stdout?.destroy();
        this.child.stderr?.destroy();
      }, 1_000).unref();
    }, DEFAULT_KILL_GRACE_MS).unref();
  }

  /** Lets an idle worker go: it exits when its stdin closes. */
  stop(): void {
    if (this.current) return this.kill();
    this.child.stdin!.end();
    // A worker that does not leave on its own within the grace time is killed.
    setTimeout(() => this.kill(), DEFAULT_KILL_GRACE_MS).unref();
  }

  private line(stream: OutputStream, line: string): void {
    const cur = this.current;
    if (!cur) return; // output of no execution (an action's stray timer after it returned)
    const at = line.indexOf(cur.marker);
    if (at > 0) this.keep(cur, stream, line.slice(0, at)); // the action's last line had no newline
    if (at < 0) return this.keep(cur, stream, line);
    const rest = line.slice(at + cur.marker.length);
    if (stream === 'stderr') cur.stderrDone = true;
    else if (rest.startsWith('result ')) cur.answer = parseAnswer(rest.slice(7));
    else if (rest.startsWith('done ')) cur.exit = Number(rest.slice(5));
    if (cur.exit !== null && cur.stderrDone) {
      this.executions++;
      cur.finish({ return_code: cur.exit, timedOut: false, canceled: false, dead: false });
    }
  }

  private keep(cur: Current, stream: OutputStream, line: string): void {
    cur.opts.onLine(stream, line);
    if (cur.left <= 0) return;
    const kept = line.length > cur.left ? line.slice(0, cur.left) : line;
    cur.left -= kept.length + 1;
    (stream === 'stdout' ? cur.out : cur.err).push(kept);
  }

  private closed(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    // Members of the group may outlive the worker (a background job the action started).
    if (this.child.pid !== undefined) killGroup(this.child.pid, 'SIGKILL');
    const cur = this.current;
    if (cur) cur.finish({ return_code: code, timedOut: this.reason === 'timedOut', canceled: this.reason === 'canceled', dead: true });
  }
}

function parseAnswer(text: string): ChildAnswer {
  try {
    return JSON.parse(text) as ChildAnswer;
  } catch (e) {
    return { ok: false, error: `the action's result line is not JSON: ${(e as Error).message}` };
  }
}
