// The core pack as the pack loader reads it, run through parameter resolution and the runners.
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveParameters } from '../executions/parameters.js';
import type { Action } from '../packs/model.js';
import { loadPack } from '../packs/loader.js';
import { builtinRunners } from './index.js';
import { pythonRunner } from './python.js';
import { makeContext } from './test-helpers.js';

const CORE = path.resolve(import.meta.dirname, '../../packs/core');
const runners = builtinRunners();
// core.pause and core.uuid are python-script actions, as in st2 (no datastore needed here).
const venvs = mkdtempSync(path.join(tmpdir(), 'squall-venvs-'));
runners.set('python-script', pythonRunner({}, venvs));
let actions: Map<string, Action>;

beforeAll(async () => {
  // Other issues add core actions with their own runners (inject-trigger, inquirer): let the
  // loader accept every runner type the pack names; this test runs only the ones here.
  const files = (await readdir(path.join(CORE, 'actions'))).filter((f) => f.endsWith('.yaml'));
  const named = await Promise.all(files.map(async (f) => (parseYaml(await readFile(path.join(CORE, 'actions', f), 'utf8')) as Action).runner_type));
  const loaded = await loadPack(CORE, {
    runnerNames: new Set([...runners.keys(), ...named]),
    entryPointRunners: new Set(['local-shell-script', 'python-script']),
  });
  expect(loaded.pack.name).toBe('core');
  actions = new Map(loaded.actions.map((a) => [a.name, { ...a, updated_at: 0 }]));
});

afterAll(async () => {
  await runners.get('python-script')!.close!();
  rmSync(venvs, { recursive: true, force: true });
});

async function run(name: string, given: Record<string, unknown>) {
  const action = actions.get(name)!;
  const runner = runners.get(action.runner_type)!;
  const parameters = resolveParameters(action, runner, given);
  return runner.run(makeContext({ action, packDir: CORE, parameters }));
}

describe('core pack', () => {
  it('has the st2 core actions this issue covers', () => {
    expect([...actions.keys()]).toEqual(expect.arrayContaining(['echo', 'http', 'local', 'local_sudo', 'noop', 'pause', 'uuid']));
    expect(actions.get('local')!.parameters.cmd).toMatchObject({ type: 'string', required: true });
    expect(actions.get('pause')!.parameters.max_pause).toMatchObject({ type: 'integer', required: true });
    expect(actions.get('uuid')!.parameters.uuid_type).toMatchObject({ default: 'uuid4', enum: ['uuid1', 'uuid4'] });
    expect(['pause', 'uuid'].map((a) => actions.get(a)!.runner_type)).toEqual(['python-script', 'python-script']);
  });

  it('core.noop, core.local and core.echo run', async () => {
    expect((await run('noop', {})).status).toBe('succeeded');
    expect(await run('local', { cmd: 'echo hi' })).toMatchObject({ status: 'succeeded', result: { stdout: 'hi', return_code: 0 } });
    expect(await run('local', { cmd: 'exit 1' })).toMatchObject({ status: 'failed', result: { return_code: 1 } });
    expect(await run('echo', { message: 'hello "world" $HOME' })).toMatchObject({ result: { stdout: 'hello "world" $HOME' } });
  });

  it('core.local refuses to have sudo switched on; core.echo refuses a different cmd', () => {
    const local = actions.get('local')!;
    expect(() => resolveParameters(local, runners.get('local-shell-cmd')!, { cmd: 'id', sudo: true })).toThrow(/parameters\.sudo: is immutable/);
    const echo = actions.get('echo')!;
    expect(() => resolveParameters(echo, runners.get('local-shell-cmd')!, { message: 'x', cmd: 'id' })).toThrow(/parameters\.cmd: is immutable/);
  });

  it('core.uuid returns st2 python-script result shape: the uuid in result (uuid4 by default, uuid1 on request)', async () => {
    const v4 = await run('uuid', {});
    expect(v4).toMatchObject({ status: 'succeeded', result: { stdout: '', stderr: '', exit_code: 0 } });
    expect((v4.result as { result: string }).result).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const v1 = await run('uuid', { uuid_type: 'uuid1' });
    expect((v1.result as { result: string }).result).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('core.pause sleeps max_pause seconds and returns the delay in result, as st2', async () => {
    const started = Date.now();
    const out = await run('pause', { max_pause: '1' });
    expect(out).toEqual({ status: 'succeeded', result: { result: 1, stdout: '', stderr: '', exit_code: 0 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const random = await run('pause', { max_pause: 1, random: true });
    expect((random.result as { result: number }).result).toBe(1);
  });

  describe('core.http', () => {
    let server: http.Server;
    let base: string;
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ path: req.url, method: req.method }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('returns {status_code, body, parsed, headers}', async () => {
      const out = await run('http', { url: `${base}/x?y=1`, method: 'DELETE' });
      expect(out.status).toBe('succeeded');
      expect(Object.keys(out.result as object).sort()).toEqual(['body', 'headers', 'parsed', 'status_code']);
      expect(out.result).toMatchObject({ status_code: 200, parsed: true, body: { path: '/x?y=1', method: 'DELETE' } });
      expect((await run('http', { url: `${base}/missing` })).status).toBe('failed');
    });
  });
});
