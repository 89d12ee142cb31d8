// The built `squall` command as a child process, as a user's shell runs it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cliPath } from '../../bench/server-process.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `squall ARGS…` with `env` over this process's environment; never throws on a non-zero exit. */
export async function runCli(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cliPath(), ...args], { env: { ...process.env, ...env }, timeout: 30_000, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
