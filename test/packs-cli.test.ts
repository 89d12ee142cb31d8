// Journey: `squall pack …` and `squall action …` against a real node over HTTP — CLI,
// client, API, packs module and store together. Commands run in this process (the
// built bin may be stale while tests run from source); only their output is captured.
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { registerPackCommands } from '../src/cli/commands/pack.js';
import { reportError, wantsJson } from '../src/cli/output.js';
import { packageRoot } from '../src/paths.js';
import { describeBackends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'packs');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function squall(server: TestServer, ...args: string[]): Promise<CliRun> {
  const env = { SQUALL_URL: process.env.SQUALL_URL, SQUALL_API_KEY: process.env.SQUALL_API_KEY, SQUALL_HOME: process.env.SQUALL_HOME };
  Object.assign(process.env, { SQUALL_URL: server.url!, SQUALL_API_KEY: server.apiKey, SQUALL_HOME: server.home });
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  let code = 0;
  try {
    const program = new Command('squall').exitOverride();
    registerPackCommands(program);
    await program.parseAsync(['node', 'squall', ...args]);
  } catch (e) {
    code = reportError(e, wantsJson(args)); // as src/cli/main.ts does
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, stdout, stderr };
}

describeBackends('squall pack / squall action', ({ backend }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the core pack is registered at start', async () => {
    const r = await squall(server, 'pack', 'list', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((p: { name: string }) => p.name)).toContain('core');
  });

  it('registers a pack, lists and gets it and its actions', async () => {
    const reg = await squall(server, 'pack', 'register', join(fixtures, 'demo_v2'));
    expect(reg).toEqual({ code: 0, stdout: 'registered pack demo 2.0.0: 1 actions, 0 policies\n', stderr: '' });
    const list = await squall(server, 'pack', 'list');
    expect(list.stdout).toMatch(/^NAME\s+VERSION\s+DESCRIPTION\n/);
    expect(list.stdout).toMatch(/\ndemo\s+2\.0\.0\s+The demo pack, second version\.\n/);
    expect(JSON.parse((await squall(server, 'pack', 'get', 'demo', '--json')).stdout)).toMatchObject({ name: 'demo', version: '2.0.0' });
    const actions = await squall(server, 'action', 'list', '--pack', 'demo');
    expect(actions.stdout.split('\n')[1]).toMatch(/^demo\.hello\s+local-shell-cmd\s+Says hello, louder\.$/);
    const get = await squall(server, 'action', 'get', 'demo.hello', '--json');
    expect(JSON.parse(get.stdout)).toMatchObject({ ref: 'demo.hello', parameters: { cmd: { default: 'echo HELLO' } } });
  });

  it('a broken pack: one line naming file, line and field, the hint, exit 1, nothing changed', async () => {
    const r = await squall(server, 'pack', 'register', join(fixtures, 'broken', 'param-type'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: actions/restart.yaml:13: parameters.timeout.type must be one of string, integer, number, boolean, array, object, null (got "int")\n' +
      '  hint: Fix the field named above, then run `squall pack register` again.\n',
    );
    expect(JSON.parse((await squall(server, 'pack', 'get', 'demo', '--json')).stdout).version).toBe('2.0.0');
    expect(JSON.parse((await squall(server, 'action', 'list', '--pack', 'demo', '--json')).stdout)).toHaveLength(1);
  });

  it('removes a pack; asking for it again says so', async () => {
    expect((await squall(server, 'pack', 'remove', 'demo')).stdout).toBe('removed pack demo\n');
    const r = await squall(server, 'pack', 'get', 'demo');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: no pack named demo\n  hint: List the registered packs with `squall pack list`\.\n$/);
    expect((await squall(server, 'action', 'get', 'demo.hello')).stderr).toMatch(/^error: no action named demo\.hello\n/);
  });
});
