// SSH for the remote-shell runners, on the ssh2 library: host lists, connecting (directly
// or through a bastion), known_hosts checking, running one command with live output, and
// copying a file with SFTP.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Client, ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2';
import type { OutputStream } from './types.js';

export interface HostTarget {
  /** The entry as written in `hosts`: the key of its result. */
  key: string;
  user?: string;
  host: string;
  port?: number;
}

/** Parses st2's comma list of hosts, each `[user@]host[:port]` (IPv6 as `[addr]:port`); duplicates kept once. */
export function parseHosts(list: string): HostTarget[] {
  const seen = new Map<string, HostTarget>();
  for (const raw of list.split(',')) {
    const key = raw.trim();
    if (key === '' || seen.has(key)) continue;
    const at = key.lastIndexOf('@');
    const user = at > 0 ? key.slice(0, at) : undefined;
    const rest = at >= 0 ? key.slice(at + 1) : key;
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
    const v4 = /^([^:]+)(?::(\d+))?$/.exec(rest);
    const m = v6 ?? v4;
    // A bare IPv6 address has several colons and no port.
    const [host, port] = m ? [m[1]!, m[2] === undefined ? undefined : Number(m[2])] : [rest, undefined];
    seen.set(key, { key, user, host, port });
  }
  return [...seen.values()];
}

export interface Credentials {
  username: string;
  password?: string;
  /** Key text (PEM/OpenSSH). */
  privateKey?: string;
  passphrase?: string;
}

/** Private key parameter: key text as is, anything else a path to read (`~/` expanded). */
export async function loadPrivateKey(value: string): Promise<string> {
  if (value.includes('-----BEGIN')) return value;
  const file = value.startsWith('~/') ? path.join(homedir(), value.slice(2)) : value;
  return readFile(file, 'utf8');
}

export interface HostKeyPolicy {
  /** False turns checking off (st2's default is off; Squall's is on). */
  check: boolean;
  /** OpenSSH known_hosts text. */
  knownHosts: string;
  file: string;
}

/** The names a known_hosts line uses for a host: `host` on port 22, `[host]:port` otherwise. */
function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function hostPatternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/**
 * Checks a host key against known_hosts text: 'ok', 'unknown' (no line names the host) or
 * 'mismatch' (lines name it with other keys, or the key is @revoked). Lines with negated
 * patterns or @cert-authority are not supported and are skipped.
 */
export function verifyHostKey(knownHosts: string, host: string, port: number, keyBlob: Buffer): 'ok' | 'unknown' | 'mismatch' {
  const name = knownHostsName(host, port);
  const key = keyBlob.toString('base64');
  let named = false;
  for (const line of knownHosts.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]!.startsWith('#')) continue;
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    const [patterns, , blob] = fields;
    if (marker === '@cert-authority' || !patterns || !blob) continue;
    if (!patterns.split(',').some((p) => !p.startsWith('!') && hostPatternMatches(p, name))) continue;
    if (marker === '@revoked') {
      if (blob === key) return 'mismatch';
      continue;
    }
    named = true;
    if (blob === key) return 'ok';
  }
  return named ? 'mismatch' : 'unknown';
}

/** A failure to reach or log in to a host; `timeout` when it did not answer in time. */
export class ConnectError extends Error {
  constructor(message: string, readonly timeout = false) {
    super(message);
  }
}

export interface ConnectOptions {
  credentials: Credentials;
  hostKeys: HostKeyPolicy;
  /** How long the TCP connect + SSH handshake + login may take. */
  readyTimeoutMs: number;
  defaultPort: number;
  signal: AbortSignal;
}

async function connectOnce(target: HostTarget, opts: ConnectOptions, sock?: ClientChannel): Promise<Client> {
  // ssh2 loads when a remote action first runs, not with every server and CLI start.
  const { Client } = await import('ssh2');
  const port = target.port ?? opts.defaultPort;
  const c = opts.credentials;
  let hostKeyProblem: string | null = null;
  const config: ConnectConfig = {
    host: target.host,
    port,
    sock,
    username: target.user ?? c.username,
    password: c.password,
    privateKey: c.privateKey,
    passphrase: c.passphrase,
    readyTimeout: opts.readyTimeoutMs,
    // ssh2 falls back to keyboard-interactive only when asked; st2 (paramiko) does not either.
    tryKeyboard: false,
    hostVerifier: (key: Buffer) => {
      if (!opts.hostKeys.check) return true;
      const verdict = verifyHostKey(opts.hostKeys.knownHosts, target.host, port, key);
      if (verdict === 'ok') return true;
      hostKeyProblem = verdict === 'unknown'
        ? `host key of ${knownHostsName(target.host, port)} is not in ${opts.hostKeys.file} (add it with ssh-keyscan, or set host_key_checking=false)`
        : `host key of ${knownHostsName(target.host, port)} does not match ${opts.hostKeys.file}: possible man-in-the-middle, connection refused`;
      return false;
    },
  };
  return new Promise((resolve, reject) => {
    const client = new Client();
    const onAbort = () => {
      client.end();
      reject(new ConnectError('canceled'));
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => {
      opts.signal.removeEventListener('abort', onAbort);
      resolve(client);
    });
    // `on`, not `once`: ssh2 may emit a second error (connection lost) after the first, and
    // an error event without a listener would crash the node.
    let failed = false;
    client.on('error', (err: Error & { level?: string }) => {
      if (failed) return;
      failed = true;
      opts.signal.removeEventListener('abort', onAbort);
      client.end();
      const where = `${config.username}@${target.host}:${port}`;
      if (hostKeyProblem) reject(new ConnectError(hostKeyProblem));
      else if (/Timed out while waiting for handshake/.test(err.message)) {
        reject(new ConnectError(`${where} did not answer within ${opts.readyTimeoutMs / 1000} s`, true));
      } else if (err.level === 'client-authentication') {
        reject(new ConnectError(`authentication failed for ${where} (${c.privateKey ? 'private key' : c.password !== undefined ? 'password' : 'no credentials given'})`));
      } else reject(new ConnectError(`cannot connect to ${where}: ${err.message}`));
    });
    client.connect(config);
  });
}

/** Opens one logged-in connection, through `bastion` when given (same credentials, as st2). */
export async function connect(target: HostTarget, opts: ConnectOptions, bastion?: HostTarget): Promise<Client> {
  if (!bastion) return connectOnce(target, opts);
  const hop = await connectOnce(bastion, opts);
  try {
    const tunnel = await new Promise<ClientChannel>((resolve, reject) => {
      hop.forwardOut('127.0.0.1', 0, target.host, target.port ?? opts.defaultPort, (err, ch) => (err ? reject(err) : resolve(ch)));
    });
    const client = await connectOnce(target, opts, tunnel);
    client.once('close', () => hop.end());
    return client;
  } catch (err) {
    hop.end();
    throw err instanceof ConnectError ? err : new ConnectError(`cannot reach ${target.host} through bastion ${bastion.host}: ${(err as Error).message}`);
  }
}

export interface ExecResult {
  return_code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  canceled: boolean;
}

/** Splits a stream into lines for `onLine` while keeping the whole text. */
function lineCollector(stream: OutputStream, onLine: (stream: OutputStream, line: string) => void) {
  const chunks: string[] = [];
  let partial = '';
  return {
    write(text: string) {
      chunks.push(text);
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) onLine(stream, l.endsWith('\r') ? l.slice(0, -1) : l);
    },
    end() {
      if (partial !== '') onLine(stream, partial);
      partial = '';
    },
    text: () => chunks.join(''),
  };
}

/**
 * Runs `command` on an open connection, writing `input` to its stdin then closing it. On
 * timeout or cancel the remote process gets SIGKILL and the channel is closed.
 */
export function exec(client: Client, command: string, opts: { input: string; timeoutMs: number; signal: AbortSignal; onLine: (stream: OutputStream, line: string) => void }): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, ch) => {
      if (err) return reject(err);
      const out = lineCollector('stdout', opts.onLine);
      const errs = lineCollector('stderr', opts.onLine);
      let timedOut = false;
      let canceled = false;
      let done = false;
      let code: number | null = null;
      let signalName: string | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', onAbort);
        out.end();
        errs.end();
        const return_code = code ?? (signalName === 'KILL' || timedOut || canceled ? -9 : -1);
        resolve({ return_code, stdout: out.text(), stderr: errs.text(), timedOut, canceled });
      };
      // OpenSSH honours a KILL signal request only on some versions and never kills the
      // process when a pty-less channel closes: ending the connection makes sshd hang up
      // on the session. The caller's connection is unusable afterwards.
      const stop = () => {
        ch.signal('KILL');
        ch.close();
        client.end();
        setTimeout(finish, 1_000).unref();
      };
      const timer = opts.timeoutMs > 0 ? setTimeout(() => {
        timedOut = true;
        stop();
      }, opts.timeoutMs) : undefined;
      const onAbort = () => {
        canceled = true;
        stop();
      };
      opts.signal.addEventListener('abort', onAbort, { once: true });
      ch.on('exit', (c: number | null, sig?: string) => {
        code = c;
        signalName = sig;
      });
      ch.setEncoding('utf8');
      ch.stderr.setEncoding('utf8');
      ch.on('data', (t: string) => out.write(t));
      ch.stderr.on('data', (t: string) => errs.write(t));
      ch.on('close', finish);
      ch.end(opts.input);
    });
  });
}

function sftpOf(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));
}

/** Copies `content` to `remotePath` (mode 0700) with SFTP; returns a function that removes it. */
export async function putFile(client: Client, remotePath: string, content: Buffer): Promise<() => Promise<void>> {
  const sftp = await sftpOf(client);
  await new Promise<void>((resolve, reject) => sftp.writeFile(remotePath, content, { mode: 0o700 }, (err) => (err ? reject(err) : resolve())));
  // After a timeout the connection is gone and the file stays (st2 leaves it too); the
  // removal gives up after 2 s rather than hold the execution.
  return () => new Promise<void>((resolve) => {
    setTimeout(resolve, 2_000).unref();
    sftp.unlink(remotePath, () => {
      sftp.end();
      resolve();
    });
  });
}
