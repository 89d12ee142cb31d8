// Warm workers of the node and python-script runners, through a real server: a worker
// killed at its time limit or crashed by its action is replaced, actions of one pack share
// workers, a re-registered pack's new code runs, several executions run at once, and
// pooling switched off (runnerPoolSize 0) runs the same actions.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { runAction } from './node-runner-run-action.js';

// One pack per runner with the same four actions: version (module-level constant and a
// module-level counter), echo, crash (the process exits), slow (never ends; 1 s limit).
const NODE = {
  runner: 'node', ext: 'mjs',
  version: (v: number) => `let calls = 0;\nexport function run() { calls += 1; return { version: ${v}, calls, pid: process.pid }; }\n`,
  echo: 'export const run = async (p) => { console.log(`echo ${p.word}`); await new Promise((r) => setTimeout(r, 50)); return { word: p.word }; };\n',
  crash: 'export function run() { process.exit(3); }\n',
  slow: 'export function run() { return new Promise(() => setInterval(() => {}, 1000)); }\n',
};
const PY = (body: string, imports = '') => `import os\nimport time\n${imports}\nfrom st2common.runners.base_action import Action\n\n\nclass A(Action):\n    def run(self, **kw):\n${body}\n`;
const PYTHON = {
  runner: 'python-script', ext: 'py',
  version: (v: number) => PY(`        global CALLS\n        CALLS += 1\n        return {"version": ${v}, "calls": CALLS, "pid": os.getpid()}`, 'CALLS = 0'),
  echo: PY('        print("echo %s" % kw["word"])\n        time.sleep(0.05)\n        return {"word": kw["word"]}'),
  crash: PY('        os._exit(3)'),
  slow: PY('        time.sleep(600)'),
};

function writePack(dir: string, name: string, kind: typeof NODE, v: number): void {
  mkdirSync(join(dir, 'actions'), { recursive: true });
  writeFileSync(join(dir, 'pack.yaml'), `name: ${name}\nversion: 1.0.${v}\ndescription: pool test\nauthor: t\nemail: t@localhost\n`);
  const params: Record<string, string> = { echo: 'parameters:\n  word:\n    type: string\n', slow: 'parameters:\n  timeout:\n    default: 1\n' };
  for (const action of ['version', 'echo', 'crash', 'slow'] as const) {
    writeFileSync(join(dir, 'actions', `${action}.yaml`), `name: ${action}\nrunner_type: ${kind.runner}\nentry_point: ${action}.${kind.ext}\n${params[action] ?? ''}`);
    const code = action === 'version' ? kind.version(v) : kind[action];
    writeFileSync(join(dir, 'actions', `${action}.${kind.ext}`), code);
  }
}

describe.each([['node', NODE], ['python', PYTHON]] as const)('%s runner workers', (label, kind) => {
  const pack = `pool_${label}`;
  const dir = join(mkdtempSync(join(tmpdir(), 'squall-pool-')), pack);
  let s: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    writePack(dir, pack, kind, 1);
    s = await startTestServer('sqlite', { packs: [dir] });
    off = await startTestServer('sqlite', { packs: [dir], runnerPoolSize: 0 });
  });
  afterAll(async () => {
    await s?.stop();
    await off?.stop();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('an execution after one killed at its time limit runs', async () => {
    const slow = await runAction(s, `${pack}.slow`, {});
    expect(slow.execution.status).toBe('timeout');
    const next = await runAction(s, `${pack}.echo`, { word: 'after-timeout' });
    expect(next.execution.status).toBe('succeeded');
    expect(next.output).toContainEqual(expect.objectContaining({ stream: 'stdout', data: 'echo after-timeout' }));
  });

  it('an action that kills its process fails alone; the next one runs', async () => {
    const crash = await runAction(s, `${pack}.crash`, {});
    expect(crash.execution.status).toBe('failed');
    expect(crash.execution.result.error).toMatch(/exited with code 3 without a result/);
    const next = await runAction(s, `${pack}.echo`, { word: 'after-crash' });
    expect(next.execution.status).toBe('succeeded');
  });

  it('two actions of one pack run one after the other on a warm worker that keeps the module', async () => {
    const a = await runAction(s, `${pack}.version`, {});
    const b = await runAction(s, `${pack}.echo`, { word: 'b' });
    const c = await runAction(s, `${pack}.version`, {});
    expect(b.execution.status).toBe('succeeded');
    const [ra, rc] = [a.execution.result, c.execution.result].map((r: any) => (label === 'python' ? r.result : r));
    expect(ra.version).toBe(1);
    // The module stays imported in a warm worker: its counter goes on (same process).
    if (ra.pid === rc.pid) expect(rc.calls).toBeGreaterThan(ra.calls);
  });

  it('a re-registered pack runs its new code', async () => {
    writePack(dir, pack, kind, 2);
    expect((await s.call('POST', '/packs/register', { path: dir })).status).toBe(201);
    const r = await runAction(s, `${pack}.version`, {});
    expect(r.execution.status).toBe('succeeded');
    const result = label === 'python' ? r.execution.result.result : r.execution.result;
    expect(result.version).toBe(2);
    expect(result.calls).toBe(1);
    writePack(dir, pack, kind, 1);
  });

  it('several executions in flight each get their own result and output', async () => {
    const words = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'];
    const runs = await Promise.all(words.map((word) => runAction(s, `${pack}.echo`, { word })));
    runs.forEach((r, i) => {
      expect(r.execution.status).toBe('succeeded');
      const result = label === 'python' ? r.execution.result.result : r.execution.result;
      expect(result).toEqual({ word: words[i] });
      expect(r.output.filter((l) => l.stream === 'stdout').map((l) => l.data)).toEqual([`echo ${words[i]}`]);
    });
  });

  it('with pooling off (runnerPoolSize 0) every execution has a process of its own', async () => {
    const a = await runAction(off, `${pack}.version`, {});
    const b = await runAction(off, `${pack}.version`, {});
    const [ra, rb] = [a.execution.result, b.execution.result].map((r: any) => (label === 'python' ? r.result : r));
    expect(ra.calls).toBe(1);
    expect(rb.calls).toBe(1);
    expect(ra.pid).not.toBe(rb.pid);
    expect((await runAction(off, `${pack}.crash`, {})).execution.status).toBe('failed');
  });
});

describe('python runner with pythonForkPerExecution', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'squall-pool-')), 'pool_fork');
  let s: TestServer;
  beforeAll(async () => {
    writePack(dir, 'pool_fork', PYTHON, 1);
    s = await startTestServer('sqlite', { packs: [dir], pythonForkPerExecution: true });
  });
  afterAll(async () => {
    await s?.stop();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('each execution imports the module anew in a process of its own: module globals do not carry over', async () => {
    const a = await runAction(s, 'pool_fork.version', {});
    const b = await runAction(s, 'pool_fork.version', {});
    expect([a.execution.result.result.calls, b.execution.result.result.calls]).toEqual([1, 1]);
    expect(a.execution.result.result.pid).not.toBe(b.execution.result.result.pid);
    expect((await runAction(s, 'pool_fork.crash', {})).execution.status).toBe('failed');
    expect((await runAction(s, 'pool_fork.echo', { word: 'x' })).execution.result.result).toEqual({ word: 'x' });
  });
});
