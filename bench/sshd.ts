// A real OpenSSH server for the remote runner tests and the remote benchmark: its own host
// key, user key, config and port, answering on 127.0.0.1 … 127.0.0.<aliases> (all
// loopback), stopped after the suite.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';
/**
 * The login user of the tests. Not root: root's ~/.bashrc on the dev machines (pyenv init)
 * costs ~4.5 s per session, which bash runs for every SSH command. Created once (home /, no
 * password: '*' refuses passwords without locking the account, which sshd would refuse).
 */
export const SSH_USER = 'squall-ssh';

function ensureUser(): void {
  try {
    execFileSync('id', ['-u', SSH_USER], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('useradd', ['-M', '-d', '/', '-s', '/bin/bash', '-p', '*', SSH_USER], { stdio: 'ignore' });
    } catch {
      // Another test file may have created it at the same moment; if not, this throws.
      execFileSync('id', ['-u', SSH_USER], { stdio: 'ignore' });
    }
  }
}

export interface TestSshd {
  port: number;
  dir: string;
  /** Hosts the server answers on: 127.0.0.1 … 127.0.0.<aliases>. */
  hosts: string[];
  /** Login user; root's key is the same. */
  user: string;
  /** A directory the user may write (scripts are copied there). */
  writable: string;
  /** Private key (OpenSSH text) whose public half is authorized for the user and root. */
  userKey: string;
  userKeyFile: string;
  /** known_hosts naming every alias with the server's host key. */
  knownHostsFile: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, host);
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('SSH-'));
    });
    sock.once('error', () => resolve(false));
  });
}

/** Starts sshd; throws with the reason when it cannot (no sshd binary, it exits at once). */
export async function startSshd(aliases = 1): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is not installed (apt-get install openssh-server)`);
  if (process.getuid?.() !== 0) throw new Error('sshd must run as root to log users in');
  ensureUser();
  const dir = mkdtempSync(join(tmpdir(), 'squall-sshd-'));
  // sshd reads authorized_keys as the logging-in user.
  chmodSync(dir, 0o755);
  const writable = join(dir, 'scripts');
  mkdirSync(writable, { mode: 0o777 });
  chmodSync(writable, 0o777);
  const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'squall-test', '-f', file]);
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'user_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_ed25519.pub')), { mode: 0o644 });
  const port = await freePort();
  const hosts = Array.from({ length: aliases }, (_, i) => `127.0.0.${i + 1}`);
  const hostPub = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `${hosts.map((h) => `[${h}]:${port}`).join(',')} ${hostPub}\n`);
  writeFileSync(join(dir, 'sshd_config'), [
    // sshd listens on at most 16 addresses: the wildcard covers every 127.0.0.x alias, and
    // AllowUsers admits logins from loopback only.
    `ListenAddress 0.0.0.0:${port}`,
    'AllowUsers *@127.0.0.0/8',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    // The fan-out test opens 20+ connections at once: the default (10:30:100) drops some.
    'MaxStartups 200',
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    '',
  ].join('\n'));
  mkdirSync('/run/sshd', { recursive: true });
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config'), '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 5_000;
  while (!(await answers(hosts[hosts.length - 1]!, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`sshd did not start: ${stderr.trim() || 'no answer within 5 s'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port, dir, hosts, user: SSH_USER, writable,
    userKey: readFileSync(join(dir, 'user_ed25519'), 'utf8'),
    userKeyFile: join(dir, 'user_ed25519'),
    knownHostsFile: join(dir, 'known_hosts'),
    stop,
  };
}

/** Starts sshd or, unless SQUALL_REQUIRE_SERVICES=1 (then it throws), returns why it cannot. */
export async function sshdOrSkipReason(aliases: number): Promise<TestSshd | string> {
  try {
    return await startSshd(aliases);
  } catch (err) {
    if (process.env.SQUALL_REQUIRE_SERVICES === '1') throw err;
    const reason = `sshd tests skipped: ${(err as Error).message}`;
    console.warn(reason);
    return reason;
  }
}
