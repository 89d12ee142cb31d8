// st2's `python-script` runner: a pack action whose entry point defines a subclass of
// st2common.runners.base_action.Action runs unchanged with python3, through Squall's shim
// package (python/st2common) and host program (python/squall_action_host.py). The host is a
// warm worker of the pack (pool.ts) that imports each action module once and makes a new
// Action instance per execution; with `forkPerExecution` it forks a fresh process for each
// execution instead, so module globals start anew every time, as in st2. The result is
// st2's `{result, stdout, stderr, exit_code}`; a `(False, value)` return fails the execution.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ParameterSchema } from '../packs/model.js';
import { packageRoot } from '../paths.js';
import { actionSockets, type ActionServices } from './node-action-services.js';
import { DEFAULT_POOL, WorkerPool, type PoolOptions } from './pool.js';
import { runProcess } from './process.js';
import { entryFile, runCodeAction } from './node.js';
import type { Runner } from './types.js';

// st2 python_runner/runner.yaml (the parameters that apply here).
const PARAMETERS: ParameterSchema = {
  timeout: { default: 600, description: "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds.", type: 'integer' },
  env: { description: 'Environment variables which will be available to the script.', type: 'object' },
  debug: { description: 'Enable runner debug mode.', type: 'boolean', required: false, default: false },
};

/** Where `squall pack install` puts a pack's virtualenv: `<dir>/<pack>` (st2: /opt/stackstorm/virtualenvs/<pack>). */
export function packVirtualenv(virtualenvsDir: string, pack: string): string {
  return path.join(virtualenvsDir, pack);
}

/** The interpreter for a pack: its virtualenv's python when installed, else `systemPython`. */
export function pythonFor(virtualenvsDir: string, pack: string, systemPython: string): string {
  const venvPython = path.join(packVirtualenv(virtualenvsDir, pack), 'bin', 'python');
  return existsSync(venvPython) ? venvPython : systemPython;
}

/**
 * The real path of `python3` on PATH. Asked once per runner: a pyenv or asdf shim on PATH is
 * a shell script that costs ~1 s per start on a busy machine, the interpreter itself ~50 ms.
 */
async function resolvePython(): Promise<string> {
  try {
    const p = await runProcess({ command: 'python3', args: ['-c', 'import sys; print(sys.executable)'], timeoutMs: 30_000 });
    const exe = p.stdout.trim();
    return p.return_code === 0 && exe ? exe : 'python3';
  } catch {
    return 'python3';
  }
}

export function pythonRunner(services: ActionServices, virtualenvsDir: string, poolOptions: PoolOptions = DEFAULT_POOL, forkPerExecution = false): Runner {
  const shimDir = path.join(packageRoot(), 'python');
  const pool = new WorkerPool(poolOptions);
  const sockets = actionSockets();
  const hostEnv = { PYTHONPATH: [shimDir, process.env.PYTHONPATH].filter(Boolean).join(':'), PYTHONUNBUFFERED: '1' };
  let systemPython: Promise<string> | undefined;
  return {
    name: 'python-script',
    description: 'A runner for launching python actions.',
    parameters: PARAMETERS,
    async run(ctx) {
      const entry = entryFile(ctx);
      if ('error' in entry) return { status: 'failed', result: { error: entry.error } };
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries((ctx.parameters.env ?? {}) as Record<string, unknown>)) env[k] = typeof v === 'string' ? v : JSON.stringify(v);
      env.ST2_ACTION_DEBUG = ctx.parameters.debug === true ? 'True' : 'False';
      const { env: _env, debug: _debug, ...rest } = ctx.parameters;
      const python = pythonFor(virtualenvsDir, ctx.action.pack, await (systemPython ??= resolvePython()));
      const host = { command: python, args: ['-s', path.join(shimDir, 'squall_action_host.py'), ...(forkPerExecution ? [] : ['--reuse'])], env: hostEnv };
      return runCodeAction({ ...ctx, parameters: rest }, services, sockets, pool, host, env, entry.file,
        (result, io) => ({ result, stdout: io.stdout, stderr: io.stderr, exit_code: io.exit_code }));
    },
    async close() {
      pool.close();
      await sockets.close();
    },
  };
}
