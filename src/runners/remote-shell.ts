// st2's remote runners over SSH: `remote-shell-cmd` (a command) and `remote-shell-script` (a
// pack script copied with SFTP, run, removed), on every host of `hosts`. Semantics from st2
// contrib/runners/remote_runner and st2common/runners/parallel_ssh.py; differences noted.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import type { Client } from 'ssh2';
import type { ParameterSchema } from '../packs/model.js';
import { scriptArguments, shellOutcome } from './local-shell.js';
import type { CmdRenderer } from './shell-command.js';
import { quoteWord } from './shell-quote.js';
import { connect, ConnectError, exec, loadPrivateKey, parseHosts, putFile, type ConnectOptions, type Credentials, type HostTarget } from './ssh.js';
import type { RunContext, RunOutcome, Runner } from './types.js';

// st2 remote_runner/runner.yaml, with two changes: `parallel` defaults to true and is not
// immutable (the issue asks for parallel fan-out by default), and host key checking, which
// st2 leaves to its config file, is two parameters here and on by default.
const COMMON_PARAMETERS: ParameterSchema = {
  hosts: { description: 'A comma delimited string of a list of hosts where the remote command will be executed. For example: example1.com,example2.com,example3.com:5555', required: true, type: 'string' },
  username: { description: 'Username used to log-in. If not provided, the user Squall runs as.', required: false, type: 'string' },
  password: { description: 'Password used to log in. If not provided, the private key is used.', required: false, secret: true, type: 'string' },
  private_key: { description: 'Private key material or path to the private key file on disk used to log in.', required: false, secret: true, type: 'string' },
  passphrase: { description: 'Passphrase for the private key, if needed.', required: false, secret: true, type: 'string' },
  port: { description: 'SSH port. If not specified as part of the hosts list, default port will be used (22).', required: false, type: 'integer', default: 22 },
  bastion_host: { description: 'The host SSH connections will be proxied through. Note: This connection is made using the same parameters as the final connection.', required: false, type: 'string' },
  parallel: { default: true, description: 'Run on all hosts at once (at most 25 connections at a time).', type: 'boolean' },
  host_key_checking: { default: true, description: 'Refuse hosts whose key is not in known_hosts_file.', type: 'boolean' },
  known_hosts_file: { default: '~/.ssh/known_hosts', description: 'OpenSSH known_hosts file the host keys are checked against.', type: 'string' },
  cwd: { default: '/tmp', description: 'Working directory where the command will be executed in', type: 'string' },
  env: { description: 'Environment variables which will be available to the command(e.g. key1=val1,key2=val2)', type: 'object' },
  kwarg_op: { default: '--', description: 'Operator to use in front of keyword args i.e. "--" or "-".', type: 'string' },
  sudo: { default: false, description: 'The remote command will be executed with sudo.', type: 'boolean' },
  sudo_password: { default: null, description: 'Sudo password. To be used when paswordless sudo is not allowed.', type: 'string', secret: true, required: false },
  timeout: { default: 60, description: "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds.", type: 'integer' },
};

// Bounded fan-out: 25 handshakes at once keep a 2-core node responsive (each costs a
// key exchange) while 20 hosts still go in one wave.
const MAX_PARALLEL = 25;
// The handshake and login may take this long at most (less when `timeout` is shorter).
const MAX_CONNECT_MS = 20_000;
// st2 parallel_ssh reports a host it could not connect to with return code 255 (as ssh(1)).
const CONNECT_FAILED_RETURN_CODE = 255;

type HostResult = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

async function credentialsOf(p: Record<string, unknown>): Promise<Credentials> {
  const username = str(p.username) ?? userInfo().username;
  const password = str(p.password);
  const keyParam = str(p.private_key);
  if (keyParam) return { username, password, privateKey: await loadPrivateKey(keyParam), passphrase: str(p.passphrase) };
  if (password !== undefined) return { username, password };
  // Neither given: the user's own default key, as ssh(1) would try it.
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const key = await readFile(path.join(homedir(), '.ssh', name), 'utf8').catch(() => undefined);
    if (key) return { username, privateKey: key, passphrase: str(p.passphrase) };
  }
  return { username };
}

async function connectOptions(ctx: RunContext): Promise<ConnectOptions> {
  const p = ctx.parameters;
  const file = String(p.known_hosts_file ?? '~/.ssh/known_hosts').replace(/^~\//, `${homedir()}/`);
  const check = p.host_key_checking !== false;
  return {
    credentials: await credentialsOf(p),
    hostKeys: { check, file, knownHosts: check ? await readFile(file, 'utf8').catch(() => '') : '' },
    readyTimeoutMs: Math.min(Number(p.timeout ?? 60) * 1000, MAX_CONNECT_MS),
    defaultPort: Number(p.port ?? 22),
    signal: ctx.signal,
  };
}

/**
 * The text the remote shell runs. Secrets (secret parameters for scripts, the sudo password)
 * never appear in it, since the remote shell's argv shows it to every user of that host: each
 * travels base64-encoded as one line of stdin, read by the shell's `read` builtin.
 */
export function remoteCommand(body: string, opts: { cwd?: string; env: Record<string, string>; secretEnv: Record<string, string>; sudo: boolean; sudoPassword?: string }): { command: string; input: string } {
  const lines: string[] = [];
  const input: string[] = [];
  for (const [name, value] of Object.entries(opts.secretEnv)) {
    lines.push(`IFS= read -r ${name} && ${name}=$(printf %s "$${name}" | base64 -d) && export ${name}`);
    input.push(Buffer.from(value).toString('base64'));
  }
  for (const [k, v] of Object.entries(opts.env)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) lines.push(`export ${k}=${quoteWord(v)}`);
  }
  if (opts.cwd) lines.push(`cd ${quoteWord(opts.cwd)}`);
  let run = `/bin/bash -c ${quoteWord(body)}`;
  if (opts.sudo) {
    if (opts.sudoPassword !== undefined) {
      // sudo -S reads the password as the next line of stdin; -p '' keeps its prompt out of stderr.
      run = `sudo -S -p '' -E -- ${run}`;
      input.push(opts.sudoPassword);
    } else run = `sudo -n -E -- ${run}`;
  }
  lines.push(run);
  return { command: lines.join(' && '), input: input.map((l) => `${l}\n`).join('') };
}

function connectFailure(err: unknown): { result: HostResult; timedOut: boolean } {
  const e = err instanceof ConnectError ? err : new ConnectError((err as Error).message);
  const result: HostResult = { failed: true, succeeded: false, return_code: CONNECT_FAILED_RETURN_CODE, stdout: '', stderr: '', error: e.message };
  if (e.timeout) result.timeout = true;
  return { result, timedOut: e.timeout };
}

/** What to run on one open connection: returns the host's result, a timeout flag. */
type HostWork = (client: Client, target: HostTarget) => Promise<{ result: HostResult; timedOut: boolean }>;

async function eachHost(ctx: RunContext, work: HostWork): Promise<RunOutcome> {
  const hosts = parseHosts(String(ctx.parameters.hosts ?? ''));
  if (hosts.length === 0) return { status: 'failed', result: { error: 'hosts is empty: give at least one host' } };
  let opts: ConnectOptions;
  try {
    opts = await connectOptions(ctx);
  } catch (err) {
    return { status: 'failed', result: { error: `cannot read the private key: ${(err as Error).message}` } };
  }
  const bastion = str(ctx.parameters.bastion_host) ? parseHosts(String(ctx.parameters.bastion_host))[0] : undefined;
  const results: Record<string, HostResult> = {};
  let anyFailed = false;
  let anyTimedOut = false;
  const one = async (target: HostTarget) => {
    let r: { result: HostResult; timedOut: boolean };
    let client: Client | undefined;
    try {
      // One connection per host for the whole execution: the copy, the run and the removal share it.
      client = await connect(target, opts, bastion);
      r = await work(client, target);
    } catch (err) {
      r = connectFailure(err);
    } finally {
      client?.end();
    }
    results[target.key] = r.result;
    if (r.timedOut) anyTimedOut = true;
    else if (r.result.succeeded !== true) anyFailed = true;
  };
  const width = ctx.parameters.parallel === false ? 1 : MAX_PARALLEL;
  // Each open connection and command listens for cancel on the one signal.
  setMaxListeners(3 * MAX_PARALLEL + 10, ctx.signal);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, hosts.length) }, async () => {
    while (next < hosts.length) await one(hosts[next++]!);
  }));
  const ordered = Object.fromEntries(hosts.map((h) => [h.key, results[h.key]]));
  const status = ctx.signal.aborted ? 'canceled' : anyFailed ? 'failed' : anyTimedOut ? 'timeout' : 'succeeded';
  return { status, result: ordered };
}

/** Runs `body` on one host and shapes the st2 per-host result; live lines are prefixed with the host. */
async function runOn(ctx: RunContext, client: Client, target: HostTarget, body: string, secretEnv: Record<string, string>) {
  const p = ctx.parameters;
  const timeoutS = Number(p.timeout ?? 60);
  const env = Object.fromEntries(Object.entries((p.env ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  env.ST2_ACTION_PACK_NAME = ctx.action.pack;
  env.ST2_ACTION_EXECUTION_ID = ctx.executionId;
  const username = target.user ?? str(p.username) ?? userInfo().username;
  const { command, input } = remoteCommand(body, {
    cwd: str(p.cwd),
    env,
    secretEnv,
    // Logged in as root, sudo changes nothing, and many hosts have no sudo installed.
    sudo: p.sudo === true && username !== 'root',
    sudoPassword: str(p.sudo_password),
  });
  const r = await exec(client, command, {
    input,
    timeoutMs: timeoutS * 1000,
    signal: ctx.signal,
    onLine: (stream, line) => ctx.output(stream, `${target.key}: ${line}`),
  });
  const outcome = shellOutcome({ ...r, truncated: false }, timeoutS);
  const result = outcome.result as HostResult;
  if (r.timedOut) result.timeout = true;
  return { result, timedOut: r.timedOut };
}

/** `remote-shell-cmd`: runs `cmd` with bash on every host. */
export function remoteShellCmdRunner(render: CmdRenderer): Runner {
  return {
    name: 'remote-shell-cmd',
    description: 'A remote execution runner that executes actions as a fixed system user.',
    parameters: { cmd: { description: 'Arbitrary Linux command to be executed on the remote host(s).', type: 'string' }, ...COMMON_PARAMETERS },
    async run(ctx) {
      const cmd = ctx.parameters.cmd;
      if (typeof cmd !== 'string' || cmd === '') return { status: 'failed', result: { error: 'cmd is required' } };
      const rendered = await render(cmd, ctx);
      if (!rendered.ok) return { status: 'failed', result: { error: rendered.error } };
      return eachHost(ctx, (client, target) => runOn(ctx, client, target, rendered.command, {}));
    },
  };
}

const SCRIPT_PARAMETERS: ParameterSchema = {
  ...COMMON_PARAMETERS,
  dir: { default: '/tmp', description: 'The working directory where the script will be copied to on the remote host.', type: 'string' },
};

/** `remote-shell-script`: copies the entry point to `dir` on every host, runs it with its arguments, removes it. */
export function remoteShellScriptRunner(): Runner {
  return {
    name: 'remote-shell-script',
    description: 'A remote execution runner that executes actions as a fixed system user.',
    parameters: SCRIPT_PARAMETERS,
    async run(ctx) {
      if (!ctx.action.entry_point || !ctx.packDir) return { status: 'failed', result: { error: 'Missing entry_point action metadata attribute' } };
      const packDir = path.resolve(ctx.packDir);
      const file = path.resolve(packDir, 'actions', ctx.action.entry_point);
      if (!file.startsWith(packDir + path.sep)) return { status: 'failed', result: { error: `entry_point ${ctx.action.entry_point} points outside the pack directory` } };
      let script: Buffer;
      try {
        script = await readFile(file);
      } catch (err) {
        return { status: 'failed', result: { error: `cannot read entry point ${file}: ${(err as Error).message}` } };
      }
      const { args, env } = scriptArguments(ctx, SCRIPT_PARAMETERS);
      return eachHost(ctx, async (client, target) => {
        // One name per host and run: hosts may share the directory (NFS home, or one machine by two names).
        const remotePath = path.posix.join(String(ctx.parameters.dir ?? '/tmp'), `squall-${ctx.executionId}-${randomBytes(4).toString('hex')}-${path.basename(file)}`);
        const body = [remotePath, ...args].map(quoteWord).join(' ');
        const remove = await putFile(client, remotePath, script);
        try {
          return await runOn(ctx, client, target, body, env);
        } finally {
          await remove();
        }
      });
    },
  };
}
