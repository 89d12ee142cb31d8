// remote-shell-cmd / remote-shell-script against a real OpenSSH server on loopback.
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmdRenderer } from '../src/runners/shell-command.js';
import { remoteShellCmdRunner, remoteShellScriptRunner } from '../src/runners/remote-shell.js';
import { makeAction, makeContext } from '../src/runners/test-helpers.js';
import { sshdOrSkipReason, type TestSshd } from '../bench/sshd.js';

const started = await sshdOrSkipReason(20);
const sshd = typeof started === 'string' ? null : started;
const skipReason = typeof started === 'string' ? started : '';

const cmdRunner = remoteShellCmdRunner(cmdRenderer());
const scriptRunner = remoteShellScriptRunner();
const PACK_DIR = join(import.meta.dirname, 'ssh', 'remote-pack');

function params(s: TestSshd, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    username: s.user, private_key: s.userKey, port: s.port, known_hosts_file: s.knownHostsFile,
    host_key_checking: true, parallel: true, timeout: 10, cwd: '/tmp', kwarg_op: '--', ...extra,
  };
}

function runCmd(s: TestSshd, extra: Record<string, unknown>) {
  const ctx = makeContext({ action: makeAction({ runner_type: 'remote-shell-cmd' }), parameters: params(s, extra) });
  return cmdRunner.run(ctx).then((out) => ({ ...out, lines: ctx.lines }));
}

describe.skipIf(!sshd)(`remote-shell runners against sshd ${skipReason}`, () => {
  const s = sshd!;
  let silent: Server;
  let silentPort = 0;
  const held: Socket[] = [];

  beforeAll(async () => {
    // A host that accepts TCP and never speaks: the SSH handshake can only time out.
    silent = createServer((sock) => held.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const sock of held) sock.destroy();
    silent?.close();
    await s.stop();
  });

  it('runs a command on one host with the st2 per-host result and streams its lines', async () => {
    const out = await runCmd(s, { hosts: '127.0.0.1', cmd: 'echo hello; echo oops >&2; whoami; pwd', env: { GREETING: 'hi there' } });
    expect(out.status).toBe('succeeded');
    expect(out.result).toEqual({ '127.0.0.1': { failed: false, succeeded: true, return_code: 0, stdout: `hello\n${s.user}\n/tmp`, stderr: 'oops' } });
    expect(out.lines).toContainEqual({ stream: 'stdout', line: '127.0.0.1: hello' });
    expect(out.lines).toContainEqual({ stream: 'stderr', line: '127.0.0.1: oops' });
  });

  it('passes env and parses JSON stdout as st2 does', async () => {
    const out = await runCmd(s, { hosts: '127.0.0.1', cmd: 'printf \'{"g": "%s"}\' "$GREETING"', env: { GREETING: "it's here" } });
    expect((out.result as any)['127.0.0.1'].stdout).toEqual({ g: "it's here" });
  });

  it('fails the execution when the command fails on one of several hosts, reporting each host exactly', async () => {
    const out = await runCmd(s, { hosts: '127.0.0.1,127.0.0.2,127.0.0.3', cmd: 'if [ "$SSH_CONNECTION" != "${SSH_CONNECTION#*127.0.0.2 }" ]; then echo bad >&2; exit 3; fi; echo fine' });
    expect(out.status).toBe('failed');
    const r = out.result as Record<string, any>;
    expect(Object.keys(r)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
    expect(r['127.0.0.1']).toMatchObject({ succeeded: true, return_code: 0, stdout: 'fine' });
    expect(r['127.0.0.2']).toEqual({ failed: true, succeeded: false, return_code: 3, stdout: '', stderr: 'bad' });
    expect(r['127.0.0.3']).toMatchObject({ succeeded: true, return_code: 0 });
  });

  it('fans out to 20 hosts in parallel', async () => {
    // A barrier: each host checks in, then waits until all 20 have. Run one host after
    // another, the first would wait for the others forever (until its timeout).
    const barrier = mkdtempSync(join(tmpdir(), 'squall-fanout-'));
    chmodSync(barrier, 0o777);
    try {
      const out = await runCmd(s, {
        hosts: s.hosts.join(','), timeout: 20,
        cmd: `mktemp ${barrier}/host.XXXXXX >/dev/null; until [ "$(ls ${barrier} | wc -l)" -ge 20 ]; do sleep 0.05; done; echo all-in`,
      });
      expect(out.status).toBe('succeeded');
      const r = out.result as Record<string, { stdout: string }>;
      expect(Object.keys(r)).toHaveLength(20);
      expect(Object.values(r).every((h) => h.stdout === 'all-in')).toBe(true);
    } finally {
      rmSync(barrier, { recursive: true, force: true });
    }
  });

  it('runs hosts one after another with parallel=false', async () => {
    const out = await runCmd(s, { hosts: '127.0.0.1,127.0.0.2', parallel: false, cmd: 'date +%s%N' });
    const r = out.result as Record<string, any>;
    expect(out.status).toBe('succeeded');
    expect(Number(r['127.0.0.2'].stdout)).toBeGreaterThan(Number(r['127.0.0.1'].stdout));
  });

  it('reports a bad password as an authentication failure of that host', async () => {
    const out = await runCmd(s, { hosts: '127.0.0.1', private_key: undefined, password: 'not-the-password', cmd: 'true' });
    expect(out.status).toBe('failed');
    const r = (out.result as Record<string, any>)['127.0.0.1'];
    expect(r).toMatchObject({ failed: true, succeeded: false, return_code: 255 });
    expect(r.error).toMatch(/authentication failed for squall-ssh@127\.0\.0\.1:\d+ \(password\)/);
    expect(JSON.stringify(out.result)).not.toContain('not-the-password');
  });

  it('refuses a host whose key is not in known_hosts, and one whose key differs', async () => {
    const empty = join(s.dir, 'known_hosts_empty');
    writeFileSync(empty, '');
    const unknown = await runCmd(s, { hosts: '127.0.0.1', cmd: 'true', known_hosts_file: empty });
    expect(unknown.status).toBe('failed');
    expect((unknown.result as any)['127.0.0.1'].error).toMatch(/host key of \[127\.0\.0\.1\]:\d+ is not in .*known_hosts_empty/);

    const other = join(s.dir, 'known_hosts_other');
    const userPub = readFileSync(`${s.userKeyFile}.pub`, 'utf8').split(/\s+/).slice(0, 2).join(' ');
    writeFileSync(other, `[127.0.0.1]:${s.port} ${userPub}\n`);
    const mismatch = await runCmd(s, { hosts: '127.0.0.1', cmd: 'true', known_hosts_file: other });
    expect((mismatch.result as any)['127.0.0.1'].error).toMatch(/does not match/);

    const unchecked = await runCmd(s, { hosts: '127.0.0.1', cmd: 'true', known_hosts_file: empty, host_key_checking: false });
    expect(unchecked.status).toBe('succeeded');
  });

  it('times out on a host that never answers, while the others succeed', async () => {
    const out = await runCmd(s, { hosts: `127.0.0.1,127.0.0.1:${silentPort}`, cmd: 'echo up', timeout: 2 });
    const r = out.result as Record<string, any>;
    expect(r['127.0.0.1']).toMatchObject({ succeeded: true, stdout: 'up' });
    expect(r[`127.0.0.1:${silentPort}`]).toMatchObject({ failed: true, succeeded: false, return_code: 255, timeout: true });
    expect(r[`127.0.0.1:${silentPort}`].error).toMatch(/did not answer within 2 s/);
    expect(out.status).toBe('timeout');
  });

  it('kills a command that runs past the timeout', async () => {
    const out = await runCmd(s, { hosts: '127.0.0.1', cmd: 'echo started; sleep 30', timeout: 1 });
    expect(out.status).toBe('timeout');
    expect((out.result as any)['127.0.0.1']).toMatchObject({ failed: true, return_code: -9, timeout: true, stdout: 'started' });
  });

  it('runs through a bastion host', async () => {
    const out = await runCmd(s, { hosts: '127.0.0.2', bastion_host: `127.0.0.1:${s.port}`, cmd: 'echo "$SSH_CONNECTION"' });
    expect(out.status).toBe('succeeded');
    expect((out.result as any)['127.0.0.2'].stdout).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.2 /);
  });

  it('runs with sudo=true as root without sudo (root needs none; this host has no sudo)', async () => {
    const out = await runCmd(s, { hosts: '127.0.0.1', username: 'root', cmd: 'id -u', sudo: true, sudo_password: 'pw' });
    expect(out.status).toBe('succeeded');
    expect((out.result as any)['127.0.0.1'].stdout).toBe(0);
  });

  it('copies a script with SFTP, passes named, positional and secret parameters, and removes it after', async () => {
    const action = makeAction({
      runner_type: 'remote-shell-script', pack: 'remote_test', name: 'show_args', entry_point: 'show_args.sh',
      parameters: { name: { type: 'string' }, force: { type: 'boolean' }, first: { type: 'string', position: 0 }, second: { type: 'integer', position: 1 }, token: { type: 'string', secret: true } },
    });
    const ctx = makeContext({
      action, packDir: PACK_DIR, executionId: 'ex-script',
      parameters: params(s, { hosts: '127.0.0.1,127.0.0.2', dir: s.writable, name: 'web 1', force: true, first: 'a b', second: 7, token: 's3cr3t-t0ken' }),
    });
    const out = await scriptRunner.run(ctx);
    expect(out.status).toBe('succeeded');
    const stdout = (out.result as any)['127.0.0.1'].stdout as string;
    const lines = stdout.split('\n');
    expect(lines).toEqual([
      'arg:--name=web 1', 'arg:--force', 'arg:a b', 'arg:7',
      'token-from-env:s3cr3t-t0ken', expect.stringMatching(/^self:/), '0',
    ]);
    // Both hosts are this machine: each copy has its own name, so neither removes the other's.
    expect(lines[5]).toMatch(new RegExp(`^self:${s.writable}/squall-ex-script-[0-9a-f]{8}-show_args\\.sh$`));
    expect((out.result as any)['127.0.0.2'].stdout).not.toContain(lines[5]);
    expect(readdirSync(s.writable)).toEqual([]);
  });
});
