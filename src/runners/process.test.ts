import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessHost } from './process-host.js';
import { localSpawner, runProcess as runWith, type ProcessOptions, type Spawner } from './process.js';
import { isAlive, until } from './test-helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'squall-proc-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const host = new ProcessHost(pino({ level: 'silent' }));
afterAll(() => host.close());

// Every behaviour holds whether this process forks or the process host does.
describe.each<[string, Spawner]>([['this process', localSpawner], ['the process host', host.spawn]])('runProcess, forked by %s', (_by, spawner) => {
  const runProcess = (opts: ProcessOptions) => runWith(opts, spawner);
  it('returns exit code, stdout and stderr, without a shell', async () => {
    const r = await runProcess({ command: 'printf', args: ['%s\\n', 'a b', '$(touch x)'] });
    expect(r).toMatchObject({ return_code: 0, stdout: 'a b\n$(touch x)\n', stderr: '', timedOut: false, canceled: false });
  });

  it('reports a non-zero exit code', async () => {
    const r = await runProcess({ command: 'bash', args: ['-c', 'echo oops >&2; exit 3'] });
    expect(r.return_code).toBe(3);
    expect(r.stderr).toBe('oops\n');
  });

  it('streams lines in order while running, including a final line without newline', async () => {
    const lines: string[] = [];
    const marker = path.join(dir, 'go');
    const running = runProcess({
      command: 'bash',
      args: ['-c', `printf 'one\\ntw'; sleep 0.2; printf 'o\\r\\nthree'; while [ ! -e ${marker} ]; do sleep 0.05; done; printf '\\nlast'`],
      onLine: (stream, line) => lines.push(`${stream}:${line}`),
    });
    await until(() => lines.length >= 2, 5_000);
    // "three" has no newline yet: it is not a line until one comes (or the stream ends).
    expect(lines).toEqual(['stdout:one', 'stdout:two']);
    await import('node:fs/promises').then((fs) => fs.writeFile(marker, ''));
    const r = await running;
    expect(lines).toEqual(['stdout:one', 'stdout:two', 'stdout:three', 'stdout:last']);
    expect(r.stdout).toBe('one\ntwo\r\nthree\nlast');
  });

  it('keeps stdout and stderr lines apart', async () => {
    const lines: string[] = [];
    await runProcess({ command: 'bash', args: ['-c', 'echo out; echo err >&2'], onLine: (s, l) => lines.push(`${s}:${l}`) });
    expect(lines.sort()).toEqual(['stderr:err', 'stdout:out']);
  });

  it('kills the whole process group on timeout, children included', async () => {
    const pidFile = path.join(dir, 'child.pid');
    const slept = path.join(dir, 'slept');
    const r = await runProcess({
      command: 'bash',
      args: ['-c', `(sleep 10; touch ${slept}) & echo $! > ${pidFile}; wait`],
      timeoutMs: 300,
      killGraceMs: 500,
    });
    expect(r.timedOut).toBe(true);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    await until(() => !isAlive(childPid), 3_000);
    // Killed, not waited for: the child never got past its sleep.
    expect(existsSync(slept)).toBe(false);
  });

  it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
    const pidFile = path.join(dir, 'child.pid');
    const r = await runProcess({
      command: 'bash',
      args: ['-c', `trap '' TERM; bash -c "trap '' TERM; sleep 30" & echo $! > ${pidFile}; wait; wait`],
      timeoutMs: 200,
      killGraceMs: 300,
    });
    expect(r.timedOut).toBe(true);
    expect(r.return_code).toBe(-9);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    await until(() => !isAlive(childPid), 3_000);
  });

  it('ends a timed-out execution even when a process that left the group holds its pipes', async () => {
    const pidFile = path.join(dir, 'escaped.pid');
    const r = await runProcess({
      command: 'bash',
      args: ['-c', `setsid bash -c 'echo $$ > ${pidFile}; exec sleep 30' & sleep 30`],
      timeoutMs: 200,
      killGraceMs: 200,
    });
    const escaped = Number(readFileSync(pidFile, 'utf8'));
    // Ended while the escaped process still held the pipes: it did not wait for their end.
    const heldPipesAtEnd = isAlive(escaped);
    process.kill(escaped, 'SIGKILL');
    expect(r.timedOut).toBe(true);
    expect(heldPipesAtEnd).toBe(true);
  });

  it('cancels through the AbortSignal and kills the group', async () => {
    const abort = new AbortController();
    const pidFile = path.join(dir, 'child.pid');
    const running = runProcess({
      command: 'bash',
      args: ['-c', `sleep 30 & echo $! > ${pidFile}; echo started; wait`],
      signal: abort.signal,
      onLine: () => abort.abort(),
    });
    const r = await running;
    expect(r.canceled).toBe(true);
    expect(r.timedOut).toBe(false);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    await until(() => !isAlive(childPid), 3_000);
  });

  it('does not start a process when already canceled', async () => {
    const abort = new AbortController();
    abort.abort();
    const marker = path.join(dir, 'ran');
    const r = await runProcess({ command: 'touch', args: [marker], signal: abort.signal });
    expect(r.canceled).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it('passes env, cwd and stdin input', async () => {
    const r = await runProcess({
      command: 'bash',
      args: ['-c', 'read -r secret; echo "$FOO $(pwd) $secret"'],
      env: { FOO: 'bar', PATH: process.env.PATH ?? '' },
      cwd: dir,
      input: 's3cret\n',
    });
    expect(r.stdout).toBe(`bar ${dir} s3cret\n`);
  });

  it('bounds the collected output and says so, while still streaming every line', async () => {
    let streamed = 0;
    const r = await runProcess({
      command: 'bash',
      args: ['-c', 'for i in $(seq 1 1000); do echo 0123456789; done'],
      maxOutputChars: 1000,
      onLine: () => streamed++,
    });
    expect(r.stdout.length).toBe(1000);
    expect(r.truncated).toBe(true);
    expect(streamed).toBe(1000);
  });

  it('rejects when the program does not exist', async () => {
    await expect(runProcess({ command: path.join(dir, 'nope'), args: [] })).rejects.toThrow(/ENOENT/);
  });
});

describe('the process host', () => {
  it('fails the processes it watched when it dies, kills their groups, and starts again', async () => {
    const pidFile = path.join(dir, 'child.pid');
    const running = runWith({ command: 'bash', args: ['-c', `sleep 30 & echo $! > ${pidFile}; wait`] }, host.spawn);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5_000);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    const hostPid = Number(execFileSync('pgrep', ['-P', String(process.pid), '-f', 'process-host-child']).toString().trim());
    process.kill(hostPid, 'SIGKILL');
    await expect(running).rejects.toThrow(/the process host stopped \(SIGKILL\)/);
    await until(() => !isAlive(childPid), 3_000);
    const again = await runWith({ command: 'echo', args: ['back'] }, host.spawn);
    expect(again).toMatchObject({ return_code: 0, stdout: 'back\n' });
  });
});
