// The runners every Squall node has, by st2 runner type name.
import { httpRunner } from './http.js';
import { localProcesses, localShellCmdRunner, localShellScriptRunner } from './local-shell.js';
import { noopRunner } from './noop.js';
import { remoteShellCmdRunner, remoteShellScriptRunner } from './remote-shell.js';
import type { Runner } from './types.js';
import { localSpawner, type Spawner } from './process.js';

export type { Runner, RunContext, RunOutcome, RunStatus, OutputStream } from './types.js';
export { runProcess, type ProcessOptions, type ProcessResult } from './process.js';
export { ProcessHost } from './process-host.js';

/**
 * The built-in runners: local-shell-cmd, local-shell-script, http-request, noop, remote-shell-cmd,
 * remote-shell-script. Local processes are forked by `spawner` (a server passes its ProcessHost's).
 */
export function builtinRunners(spawner: Spawner = localSpawner): Map<string, Runner> {
  const local = localProcesses(spawner);
  const runners = [
    localShellCmdRunner(local),
    localShellScriptRunner(local),
    httpRunner(),
    noopRunner(),
    remoteShellCmdRunner(),
    remoteShellScriptRunner(),
  ];
  return new Map(runners.map((r) => [r.name, r]));
}
