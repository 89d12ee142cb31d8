// st2's local runners: `local-shell-cmd` (a shell command) and `local-shell-script` (a script
// from the pack). Semantics from st2 contrib/runners/local_runner (base.py) and
// st2common/models/system/action.py; differences are noted where they are.
import { constants as fsConstants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import path from 'node:path';
import type { ParameterSchema, ParameterSpec } from '../packs/model.js';
import { runProcess, type ProcessResult, type Spawner } from './process.js';
import type { CmdRenderer } from './shell-command.js';
import type { RunContext, RunOutcome, Runner } from './types.js';

// st2 local_runner/runner.yaml, the parameters both local runners share.
const COMMON_PARAMETERS: ParameterSchema = {
  cwd: { description: 'Working directory where the command will be executed in', type: 'string' },
  env: { description: 'Environment variables which will be available to the command(e.g. key1=val1,key2=val2)', type: 'object' },
  kwarg_op: { default: '--', description: 'Operator to use in front of keyword args i.e. "--" or "-".', type: 'string' },
  sudo: { default: false, description: 'The command will be executed with sudo.', type: 'boolean' },
  sudo_password: { default: null, description: 'Sudo password. To be used when passwordless sudo is not allowed.', type: 'string', secret: true, required: false },
  timeout: { default: 60, description: "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds.", type: 'integer' },
};

// st2 maps a process killed by SIGKILL (-9) to `timeout` and reports that code for every timeout.
const TIMEOUT_RETURN_CODE = -9;

/** st2's strip_shell_chars: drop one trailing "\n", then one trailing "\r". */
function stripShellChars(text: string): string {
  const noLf = text.endsWith('\n') ? text.slice(0, -1) : text;
  return noLf.endsWith('\r') ? noLf.slice(0, -1) : noLf;
}

/** st2's jsonify.json_loads on stdout/stderr: output that is valid JSON becomes that value. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The st2 result `{failed, succeeded, return_code, stdout, stderr}` and the status it means. */
export function shellOutcome(p: ProcessResult, timeoutS: number): RunOutcome {
  const return_code = p.timedOut ? TIMEOUT_RETURN_CODE : p.return_code;
  const succeeded = return_code === 0 && !p.canceled;
  const result: Record<string, unknown> = {
    failed: !succeeded,
    succeeded,
    return_code,
    stdout: jsonOrText(stripShellChars(p.stdout)),
    stderr: jsonOrText(stripShellChars(p.stderr)),
  };
  if (p.timedOut) result.error = `Action failed to complete in ${timeoutS} seconds`;
  else if (p.canceled) result.error = 'Action was canceled';
  if (p.truncated) result.output_truncated = true;
  const status = p.canceled ? 'canceled' : p.timedOut ? 'timeout' : succeeded ? 'succeeded' : 'failed';
  return { status, result };
}

/** A failure before any process ran (bad entry point, unquotable cmd): a result, not an exception. */
function errorOutcome(error: string): RunOutcome {
  return { status: 'failed', result: { failed: true, succeeded: false, return_code: -1, stdout: '', stderr: '', error } };
}

/** Squall's environment, the action's `env`, then st2's ST2_ACTION_* variables (as st2 orders them). */
function actionEnv(ctx: RunContext, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const given = (ctx.parameters.env ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) env[k] = typeof v === 'string' ? v : JSON.stringify(v);
  Object.assign(env, extra);
  env.ST2_ACTION_PACK_NAME = ctx.action.pack;
  env.ST2_ACTION_EXECUTION_ID = ctx.executionId;
  env.ST2_ACTION_DEBUG = ctx.parameters.debug === true ? 'True' : 'False';
  return env;
}

/**
 * Prefixes argv with sudo as st2 does (`sudo -E -- …`, `-S` with the password on stdin).
 * When Squall already runs as root sudo would change nothing, and many containers have no
 * sudo at all: the command then runs as it is.
 */
function withSudo(ctx: RunContext, argv: string[]): { argv: string[]; input?: string } {
  if (ctx.parameters.sudo !== true || process.getuid?.() === 0) return { argv };
  const password = ctx.parameters.sudo_password;
  if (typeof password === 'string' && password !== '') {
    return { argv: ['sudo', '-S', '-E', '--', ...argv], input: `${password}\n` };
  }
  return { argv: ['sudo', '-E', '--', ...argv] };
}

async function execute(ctx: RunContext, argv: string[], extraEnv: Record<string, string>, spawner: Spawner): Promise<RunOutcome> {
  const timeoutS = Number(ctx.parameters.timeout ?? 60);
  const { argv: full, input } = withSudo(ctx, argv);
  try {
    const p = await runProcess({
      command: full[0]!,
      args: full.slice(1),
      cwd: typeof ctx.parameters.cwd === 'string' ? ctx.parameters.cwd : undefined,
      env: actionEnv(ctx, extraEnv),
      input,
      timeoutMs: timeoutS * 1000,
      signal: ctx.signal,
      onLine: (stream, line) => ctx.output(stream, line),
    }, spawner);
    return shellOutcome(p, timeoutS);
  } catch (err) {
    return errorOutcome(`cannot start ${full[0]}: ${(err as Error).message}`);
  }
}

/**
 * `local-shell-cmd`: runs `cmd` with bash. st2 runs it with /bin/sh (Popen shell=True) unless
 * sudo is set, then `bash -c`; Squall always uses bash, which its quoting of template values
 * understands, and which is /bin/sh on st2's own RHEL platform.
 */
export function localShellCmdRunner(render: CmdRenderer, spawner: Spawner): Runner {
  return {
    name: 'local-shell-cmd',
    description: 'A runner to execute local actions as a fixed user.',
    parameters: {
      cmd: { description: 'Arbitrary Linux command to be executed on the host.', type: 'string' },
      ...COMMON_PARAMETERS,
    },
    async run(ctx) {
      if (ctx.action.entry_point) return errorOutcome('entry_point is only valid for local-shell-script runner');
      const cmd = ctx.parameters.cmd;
      if (typeof cmd !== 'string' || cmd === '') return errorOutcome('cmd is required');
      const rendered = await render(cmd, ctx);
      if (!rendered.ok) return errorOutcome(rendered.error);
      return execute(ctx, ['/bin/bash', '-c', rendered.command], {}, spawner);
    },
  };
}

/** st2's serialize_positional_argument: how a positional value becomes one argv string (a list of types: as itself). */
function positionalText(type: ParameterSpec['type'], value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (type) {
    case 'boolean':
      return value ? '1' : '0';
    case 'array':
      return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',') : String(value);
    case 'object':
      return JSON.stringify(value);
    default:
      // st2 turns an integer 0 into "" here (a Python truthiness slip); Squall passes "0".
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** Environment variable carrying a secret parameter to a script. */
export function secretEnvName(param: string): string {
  return `ST2_ACTION_PARAM_${param.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/**
 * Script arguments as st2 builds them: named `<kwarg_op>name=value` first (true → the bare
 * flag, false/null/"" → left out), then positional values in `position` order. Each is one
 * argv element, never parsed by a shell.
 *
 * Secrets differ from st2 on purpose: st2 puts them on the command line, where `ps` shows
 * them to every user. Squall passes a secret parameter in the environment variable
 * ST2_ACTION_PARAM_<NAME> (readable only by the same user and root, in /proc/<pid>/environ)
 * and, when it has a position, an empty string in its place so later positions keep theirs.
 * (st2 passes no parameter through the environment: only `env`, and ST2_ACTION_* metadata.)
 */
export function scriptArguments(ctx: RunContext, runnerParameters: ParameterSchema): { args: string[]; env: Record<string, string> } {
  const schema = ctx.action.parameters;
  const kwargOp = typeof ctx.parameters.kwarg_op === 'string' ? ctx.parameters.kwarg_op : '--';
  const env: Record<string, string> = {};
  const named: string[] = [];
  const positional: Array<{ position: number; text: string }> = [];
  const names = [...new Set([...Object.keys(schema), ...Object.keys(ctx.parameters)])];
  for (const name of names) {
    if (name in runnerParameters && typeof schema[name]?.position !== 'number') continue;
    const spec = schema[name] ?? {};
    const value = ctx.parameters[name];
    const secret = spec.secret === true;
    if (secret && value !== null && value !== undefined) env[secretEnvName(name)] = positionalText(spec.type, value);
    if (typeof spec.position === 'number') {
      positional.push({ position: spec.position, text: secret ? '' : positionalText(spec.type, value) });
      continue;
    }
    if (secret || value === null || value === undefined || value === '' || value === false) continue;
    if (value === true) named.push(`${kwargOp}${name}`);
    else named.push(`${kwargOp}${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  positional.sort((a, b) => a.position - b.position);
  return { args: [...named, ...positional.map((p) => p.text)], env };
}

/** The interpreter argv for a script: its shebang's, itself when executable, else bash. */
async function scriptCommand(file: string): Promise<string[]> {
  const handle = await open(file, 'r');
  let head: string;
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  if (head.startsWith('#!')) {
    // Linux shebang rules: the interpreter path, then everything else as one argument. Read
    // here rather than by the kernel so a script need not be executable (st2 chmods it +x).
    const line = head.slice(2).split('\n')[0]!.trim();
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (match) return match[2] ? [match[1]!, match[2], file] : [match[1]!, file];
  }
  const executable = await access(file, fsConstants.X_OK).then(() => true, () => false);
  return executable ? [file] : ['/bin/bash', file];
}

const SCRIPT_PARAMETERS: ParameterSchema = {
  debug: { description: 'Enable runner debug mode.', type: 'boolean', required: false, default: false },
  ...COMMON_PARAMETERS,
};

/** `local-shell-script`: runs the action's entry point from `<pack>/actions/` with its parameters as arguments. */
export function localShellScriptRunner(spawner: Spawner): Runner {
  return {
    name: 'local-shell-script',
    description: 'A runner to execute local actions as a fixed user.',
    parameters: SCRIPT_PARAMETERS,
    async run(ctx) {
      if (!ctx.action.entry_point) return errorOutcome('Missing entry_point action metadata attribute');
      if (!ctx.packDir) return errorOutcome(`action ${ctx.action.ref} has no pack directory to find ${ctx.action.entry_point} in`);
      const packDir = path.resolve(ctx.packDir);
      const file = path.resolve(packDir, 'actions', ctx.action.entry_point);
      if (!file.startsWith(packDir + path.sep)) {
        return errorOutcome(`entry_point ${ctx.action.entry_point} points outside the pack directory`);
      }
      let command: string[];
      try {
        command = await scriptCommand(file);
      } catch (err) {
        return errorOutcome(`cannot read entry point ${file}: ${(err as Error).message}`);
      }
      const { args, env } = scriptArguments(ctx, SCRIPT_PARAMETERS);
      return execute(ctx, [...command, ...args], env, spawner);
    },
  };
}
