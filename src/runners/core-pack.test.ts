// The core pack as the pack loader reads it, run through parameter resolution and the runners.
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveParameters } from '../executions/parameters.js';
import type { Action } from '../packs/model.js';
import { loadPack } from '../packs/loader.js';
import { builtinRunners } from './index.js';
import { makeContext } from './test-helpers.js';

const CORE = path.resolve(import.meta.dirname, '../../packs/core');
const runners = builtinRunners();
let actions: Map<string, Action>;

beforeAll(async () => {
  // Other issues add core actions with their own runners (inject-trigger, inquirer): let the
  // loader accept every runner type the pack names; this test runs only the ones here.
  const files = (await readdir(path.join(CORE, 'actions'))).filter((f) => f.endsWith('.yaml'));
  const named = await Promise.all(files.map(async (f) => (parseYaml(await readFile(path.join(CORE, 'actions', f), 'utf8')) as Action).runner_type));
  const loaded = await loadPack(CORE, {
    runnerNames: new Set([...runners.keys(), ...named]),
    entryPointRunners: new Set(['local-shell-script']),
  });
  expect(loaded.pack.name).toBe('core');
  actions = new Map(loaded.actions.map((a) => [a.name, { ...a, updated_at: 0 }]));
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
