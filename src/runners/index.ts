// The runners every Squall node has, by st2 runner type name.
import { httpRunner } from './http.js';
import { localShellCmdRunner, localShellScriptRunner } from './local-shell.js';
import { noopRunner } from './noop.js';
import { remoteShellCmdRunner, remoteShellScriptRunner } from './remote-shell.js';
import type { Runner } from './types.js';

export type { Runner, RunContext, RunOutcome, RunStatus, OutputStream } from './types.js';
export { runProcess, type ProcessOptions, type ProcessResult } from './process.js';

/** The built-in runners: local-shell-cmd, local-shell-script, http-request, noop, remote-shell-cmd, remote-shell-script. */
export function builtinRunners(): Map<string, Runner> {
  const runners = [
    localShellCmdRunner(),
    localShellScriptRunner(),
    httpRunner(),
    noopRunner(),
    remoteShellCmdRunner(),
    remoteShellScriptRunner(),
  ];
  return new Map(runners.map((r) => [r.name, r]));
}
