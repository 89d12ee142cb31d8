// The runners every Squall node has, by st2 runner type name.
import type { KvReader } from '../datastore/template.js';
import { httpRunner } from './http.js';
import { localShellCmdRunner, localShellScriptRunner } from './local-shell.js';
import { noopRunner } from './noop.js';
import { remoteShellCmdRunner, remoteShellScriptRunner } from './remote-shell.js';
import { cmdRenderer } from './shell-command.js';
import type { Runner } from './types.js';
import { localSpawner, type Spawner } from './process.js';

export type { Runner, RunContext, RunOutcome, RunStatus, OutputStream } from './types.js';
export { runProcess, type ProcessOptions, type ProcessResult } from './process.js';
export { ProcessHost } from './process-host.js';

/**
 * The built-in runners: local-shell-cmd, local-shell-script, http-request, noop, remote-shell-cmd,
 * remote-shell-script. With `kv`, st2kv in a `cmd` reads the datastore as the execution's user;
 * local processes are forked by `spawner` (a server passes its ProcessHost's).
 */
export function builtinRunners(kv?: KvReader, spawner: Spawner = localSpawner): Map<string, Runner> {
  const render = cmdRenderer(kv);
  const runners = [
    localShellCmdRunner(render, spawner),
    localShellScriptRunner(spawner),
    httpRunner(),
    noopRunner(),
    remoteShellCmdRunner(render),
    remoteShellScriptRunner(),
  ];
  return new Map(runners.map((r) => [r.name, r]));
}
