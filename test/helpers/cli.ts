// The built `squall` CLI as a child process, as a user's shell runs it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cliPath } from '../../bench/server-process.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(file: string, args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs `squall ...args` with `env` added to this process's environment; a non-zero exit is a result, not an error. */
export function squall(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return run(process.execPath, [cliPath(), ...args], env);
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The same in a pseudo-terminal (util-linux `script`), where the CLI shows progress; stdout and stderr come mixed. */
export function squallInTerminal(args: readonly string[]): Promise<CliRun> {
  return run('script', ['-qec', [process.execPath, cliPath(), ...args].map(shellQuote).join(' '), '/dev/null'], {});
}
