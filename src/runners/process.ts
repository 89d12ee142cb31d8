// The one way Squall runs a process: its own process group, a timeout and a cancel signal
// that kill the whole group, live output line by line, and bounded collected output.
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { OutputStream } from './types.js';

export interface ProcessOptions {
  /** Program to execute; never run through a shell (pass ['/bin/bash', '-c', cmd] to ask for one). */
  command: string;
  args: string[];
  cwd?: string;
  /** The whole environment of the child (not merged with Squall's). */
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed (how secrets such as sudo passwords travel). */
  input?: string;
  /** Kill the process group after this long; 0 or absent: no limit. */
  timeoutMs?: number;
  /** Aborting kills the process group; the result then has `canceled: true`. */
  signal?: AbortSignal;
  /** Called with each complete line of output (without its newline) while the process runs. */
  onLine?: (stream: OutputStream, line: string) => void;
  /** Time between SIGTERM and SIGKILL to the group. */
  killGraceMs?: number;
  /** Most characters of stdout + stderr kept in the result; the rest is dropped and `truncated` set. */
  maxOutputChars?: number;
}

export interface ProcessResult {
  /** Exit code, or minus the signal number when a signal ended the process (Python's convention, which st2 reports). */
  return_code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  canceled: boolean;
  /** True when output past `maxOutputChars` was dropped from stdout/stderr (it was still streamed). */
  truncated: boolean;
}

// 5 s lets well-behaved programs clean up; st2's local runner gives none (it goes straight to kill).
export const DEFAULT_KILL_GRACE_MS = 5_000;
// Issue 2 asks for no result-size ceiling below 100 MB.
const DEFAULT_MAX_OUTPUT_CHARS = 100 * 1024 * 1024;
// A "line" that never ends (a progress bar, a binary dump) is streamed in pieces of this size.
const MAX_LINE_CHARS = 64 * 1024;
// After the group is SIGKILLed, a process that left the group (setsid) may still hold our pipes:
// stop waiting for them after this long so the execution can end.
const PIPE_DRAIN_AFTER_KILL_MS = 1_000;

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

/** Splits one stream's bytes into complete lines (without newline) for `onLine`; `end` flushes the last. */
export function lineSplitter(stream: OutputStream, onLine: ProcessOptions['onLine']) {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emit = (text: string) => {
    partial += text;
    let start = 0;
    for (let nl = partial.indexOf('\n', start); nl !== -1; nl = partial.indexOf('\n', start)) {
      const end = nl > start && partial[nl - 1] === '\r' ? nl - 1 : nl;
      onLine?.(stream, partial.slice(start, end));
      start = nl + 1;
    }
    partial = partial.slice(start);
    while (partial.length > MAX_LINE_CHARS) {
      onLine?.(stream, partial.slice(0, MAX_LINE_CHARS));
      partial = partial.slice(MAX_LINE_CHARS);
    }
  };
  return {
    /** The decoded text of `chunk`, after its complete lines went to `onLine`. */
    write(chunk: Buffer): string {
      const text = decoder.write(chunk);
      emit(text);
      return text;
    },
    end(): string {
      const text = decoder.end();
      emit(text);
      if (partial.length > 0) onLine?.(stream, partial);
      partial = '';
      return text;
    },
  };
}

/** Collects one stream: whole text (bounded, shared budget) and complete lines for the callback. */
function makeCollector(
  stream: OutputStream,
  budget: { left: number; truncated: boolean },
  onLine: ProcessOptions['onLine'],
) {
  const lines = lineSplitter(stream, onLine);
  const kept: string[] = [];

  const keep = (text: string) => {
    if (budget.left <= 0) {
      if (text.length > 0) budget.truncated = true;
      return;
    }
    if (text.length > budget.left) {
      kept.push(text.slice(0, budget.left));
      budget.left = 0;
      budget.truncated = true;
      return;
    }
    kept.push(text);
    budget.left -= text.length;
  };

  return {
    write(chunk: Buffer) {
      keep(lines.write(chunk));
    },
    /** Flushes a final line that had no newline. */
    end() {
      keep(lines.end());
    },
    text: () => kept.join(''),
  };
}

/** Signals every process of the group `pid` leads; a group already gone is not an error. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has already exited.
  }
}

/** What runProcess asks a spawner to start. */
export interface SpawnRequest {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
}

/** A process being started, wherever it is forked; runProcess sets each handler once, before any fires. */
export interface SpawnedProcess {
  onSpawn: (pid: number) => void;
  onOutput: (stream: OutputStream, chunk: Buffer) => void;
  /** It could not be started (ENOENT, EACCES, bad cwd), or whatever ran it is gone. */
  onError: (err: Error) => void;
  onClose: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Stops waiting for its pipes: a process that left the group may hold them open forever. */
  abandonPipes(): void;
}

/** Starts a process in a new process group and reports it through the handlers runProcess sets. */
export type Spawner = (req: SpawnRequest) => SpawnedProcess;

const unset = () => undefined;

/** A SpawnedProcess whose handlers are set later; `abandonPipes` is the implementation's. */
export function spawnedProcess(abandonPipes: () => void): SpawnedProcess {
  return { onSpawn: unset, onOutput: unset, onError: unset, onClose: unset, abandonPipes };
}

/** Forks from this process (its event loop waits for each fork; see process-host.ts for the other way). */
export const localSpawner: Spawner = (req) => {
  // detached: the child leads a new process group, so one kill(-pid) reaches every
  // process it started (a shell's children, a script's background jobs).
  const child = spawn(req.command, req.args, {
    cwd: req.cwd, env: req.env, detached: true,
    stdio: [req.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const p = spawnedProcess(() => {
    child.stdout?.destroy();
    child.stderr?.destroy();
  });
  child.on('spawn', () => p.onSpawn(child.pid!));
  child.stdout!.on('data', (chunk: Buffer) => p.onOutput('stdout', chunk));
  child.stderr!.on('data', (chunk: Buffer) => p.onOutput('stderr', chunk));
  if (req.input !== undefined) {
    // The child may exit without reading its input: EPIPE then is not our failure.
    child.stdin!.on('error', () => {});
    child.stdin!.end(req.input);
  }
  child.on('error', (e) => p.onError(e));
  child.on('close', (code, signal) => p.onClose(code, signal));
  return p;
};

/**
 * Runs one process in a new process group and resolves when it has exited and its output
 * is read. Rejects only when the process cannot be started (ENOENT, EACCES, bad cwd).
 */
export function runProcess(opts: ProcessOptions, spawner: Spawner = localSpawner): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const budget = { left: opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS, truncated: false };
    const collectors = { stdout: makeCollector('stdout', budget, opts.onLine), stderr: makeCollector('stderr', budget, opts.onLine) };
    const graceMs = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const timers: NodeJS.Timeout[] = [];
    let timedOut = false;
    let canceled = false;
    let killing = false;
    let settled = false;
    let pid: number | null = null;

    if (opts.signal?.aborted) {
      resolve({ return_code: -SIGNALS.SIGTERM!, stdout: '', stderr: '', timedOut: false, canceled: true, truncated: false });
      return;
    }

    const child = spawner({ command: opts.command, args: opts.args, cwd: opts.cwd, env: opts.env, input: opts.input });

    const cleanup = () => {
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener('abort', onAbort);
    };

    // SIGTERM to the group, SIGKILL after the grace; asked for before the pid is known, it waits for it.
    const signalGroup = () => {
      if (!killing || pid === null) return;
      const group = pid;
      killGroup(group, 'SIGTERM');
      timers.push(setTimeout(() => {
        killGroup(group, 'SIGKILL');
        timers.push(setTimeout(() => child.abandonPipes(), PIPE_DRAIN_AFTER_KILL_MS));
      }, graceMs));
    };
    const terminate = () => {
      if (killing) return;
      killing = true;
      signalGroup();
    };

    function onAbort() {
      canceled = true;
      terminate();
    }

    child.onSpawn = (started) => {
      pid = started;
      signalGroup();
    };
    child.onOutput = (stream, chunk) => collectors[stream].write(chunk);

    child.onError = (e) => {
      if (settled) return;
      settled = true;
      cleanup();
      // Started before whatever ran it went away: its group goes too, nothing is left running unwatched.
      if (pid !== null) killGroup(pid, 'SIGKILL');
      reject(e);
    };

    child.onClose = (code, signal) => {
      if (settled) return;
      settled = true;
      cleanup();
      collectors.stdout.end();
      collectors.stderr.end();
      // Members of the group may outlive the leader (a background job that closed its pipes):
      // a timed-out or canceled execution takes them all with it.
      if (killing && pid !== null) killGroup(pid, 'SIGKILL');
      const return_code = code ?? -(SIGNALS[signal ?? 'SIGKILL'] ?? 9);
      resolve({ return_code, stdout: collectors.stdout.text(), stderr: collectors.stderr.text(), timedOut, canceled, truncated: budget.truncated });
    };

    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
      timers.push(setTimeout(() => {
        timedOut = true;
        terminate();
      }, opts.timeoutMs));
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
