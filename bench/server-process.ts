// Starts `squall server` as its own process (as a user would), for benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../src/paths.js';

export interface ServerProcess {
  url: string;
  apiKey: string;
  home: string;
  proc: ChildProcess;
  /** Milliseconds from spawn to the API answering /health. */
  readyMs: number;
  rssMb(): number;
  /** Stops the server (SIGKILL to simulate a crash); deletes its home unless the caller gave one. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export const cliPath = () => join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

export async function spawnServer(opts: { db?: string; home?: string; extraArgs?: string[]; env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<ServerProcess> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'squall-bench-'));
  // Ready is read from the 'squall server ready' info line: the log level stays info.
  // SQUALL_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the servers of any benchmark.
  const nodeArgs = opts.nodeArgs ?? (process.env.SQUALL_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []);
  const args = [...nodeArgs, cliPath(), 'server', '--port', '0', ...(opts.db ? ['--db', opts.db] : []), ...(opts.extraArgs ?? []), '--log-level', 'info'];
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...opts.env, SQUALL_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { msg?: string; url?: string };
        if (rec.msg === 'squall server ready' && rec.url) resolve(rec.url);
      } catch {
        // not a log line
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  // Ready = the API answers, measured from the moment the process was spawned.
  for (;;) {
    const ok = await fetch(url + '/api/v1/health').then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const readyMs = performance.now() - t0;
  const apiKey = (JSON.parse(readFileSync(join(home, 'credentials'), 'utf8')) as { api_key: string }).api_key;
  return {
    url, apiKey, home, proc, readyMs,
    rssMb() {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill(signal);
        await exited;
      }
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}
