// Workflows and action templates act as the user who started the execution, through the real
// server on both backends: st2kv reads the datastore (system scope, that user's scope, secrets
// decrypted only when the user may), and each task's action needs that user's action:execute.
// st2's own examples (orquesta-st2kv*.yaml) run with the expectations of st2's integration
// tests (st2tests/integration/orquesta/test_wiring_functions_st2kv.py).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getExecution } from '../src/executions/service.js';
import { describeServer, until } from './helpers/server.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'packs');
type Json = any;
const TOKEN = 'tok-3f9a1c77';

describeServer('workflows and templates act as the user who started them', (server) => {
  const scratch = mkdtempSync(join(tmpdir(), 'squall-wf-access-'));
  const keys: Record<string, string> = {};
  /** Calls the API as `user` (with their API key), or as the admin. */
  const as = (user: string | null) => (method: string, path: string, body?: unknown) =>
    server().call(method, path, body, user ? { 'St2-Api-Key': keys[user]! } : {});
  const admin = as(null);

  beforeAll(async () => {
    expect((await admin('POST', '/packs/register', { path: join(fixtures, 'wf_access') })).status).toBe(201);
    expect((await admin('PUT', '/rbac/roles/gated_only', {
      permission_grants: ['wf_access.gated', 'wf_access.gated_nested'].map((ref) => ({ resource_uid: `action:${ref}`, permission_types: ['action_execute'] })),
    })).status).toBe(200);
    for (const [user, role] of [['wanda', 'gated_only'], ['otto', 'operator']]) {
      expect((await admin('POST', '/users', { username: user, password: 'password-123' })).status).toBe(201);
      expect((await admin('POST', '/rbac/assignments', { user, role })).status).toBe(201);
      keys[user] = (await admin('POST', '/apikeys', { user })).body.key;
    }
    const put = async (name: string, body: Json, who: string | null = null) => expect((await as(who)('PUT', `/keys/${name}`, body)).status).toBeLessThan(300);
    await put('wfkv_greeting', { value: 'hello', scope: 'system' });
    await put('wfkv_enabled', { value: 'yes', scope: 'system' });
    await put('wfkv_region', { value: 'eu-west', scope: 'system' });
    await put('wfkv_token', { value: TOKEN, scope: 'system', secret: true });
    await put('wfkv_color', { value: 'blue', scope: 'user' });
    await put('wfkv_mine', { value: 'SoDiamondEng', scope: 'user' }, 'otto');
    await put('wfkv_pin', { value: 'pin-77123', scope: 'user', secret: true }, 'otto');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const run = async (user: string | null, action: string, parameters: Json = {}) => {
    const r = await as(user)('POST', '/executions', { action, parameters });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as Json;
  };
  const ended = (id: string) => until(async () => {
    const e = (await admin('GET', `/executions/${id}`)).body;
    return ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'].includes(e.status) && e;
  }, 30_000, `execution ${id} to end`);
  const runToEnd = async (user: string | null, action: string, parameters: Json = {}) => ended((await run(user, action, parameters)).id);
  const children = async (id: string) => (await admin('GET', `/executions?parent=${id}`)).body as Json[];

  it('reads system and user keys in vars, task input, when, publish and output', async () => {
    const done = await runToEnd(null, 'wf_access.kv_flow', { who: 'ops' });
    expect(done.status, JSON.stringify(done.result)).toBe('succeeded');
    expect(done.result.output).toEqual({ greeting: 'hello', said: 'hello, ops', color: 'blue', region: 'eu-west' });
    // The `when` reading wfkv_enabled chose the branch.
    expect((await children(done.id)).map((c) => c.context.workflow.task).sort()).toEqual(['enabled', 'say']);
  });

  it("runs st2's orquesta-st2kv: system scope, the starting user's scope (a name without system.), a missing key", async () => {
    const system = await runToEnd(null, 'wf_access.orquesta-st2kv', { key_name: 'system.wfkv_greeting' });
    expect(system.result.output).toEqual({ value: 'hello' });
    const mine = await runToEnd('otto', 'wf_access.orquesta-st2kv', { key_name: 'wfkv_mine' });
    expect(mine.status).toBe('succeeded');
    expect(mine.result.output).toEqual({ value: 'SoDiamondEng' });
    // Another user's scope is not otto's: the admin has no wfkv_mine.
    const missing = await runToEnd(null, 'wf_access.orquesta-st2kv', { key_name: 'wfkv_mine' });
    expect(missing.status).toBe('failed');
    expect(missing.result.errors[0].message).toContain('the key "user.wfkv_mine" does not exist in the datastore');
    expect(await children(missing.id)).toEqual([]);
  });

  it("runs st2's orquesta-st2kv-default: a missing key takes the default in YAQL and Jinja", async () => {
    for (const fallback of ['stone', '', null]) {
      const done = await runToEnd(null, 'wf_access.orquesta-st2kv-default', { key_name: 'system.wfkv_matt', decrypt: true, default: fallback });
      expect(done.status, JSON.stringify(done.result)).toBe('succeeded');
      expect(done.result.output).toEqual({ value_from_yaql: fallback, value_from_jinja: fallback });
    }
  });

  it('decrypts a system secret for an admin, masked in every output; refuses a user without key:decrypt', async () => {
    const done = await runToEnd(null, 'wf_access.orquesta-st2kv', { key_name: 'system.wfkv_token', decrypt: true });
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ value: '********' });
    const task = (await admin('GET', `/executions/${(await children(done.id))[0].id}`)).body;
    // Decrypted for the run (the stored parameters hold it), masked wherever it is shown.
    expect((await getExecution(server().executions, task.id)).parameters.cmd).toBe(`echo ${TOKEN}`);
    expect(task.parameters.cmd).toBe('echo ********');
    expect(task.result.stdout).toBe('********');
    const output = (await admin('GET', `/executions/${task.id}/output`)).body;
    expect(JSON.stringify(output)).not.toContain(TOKEN);

    const refused = await runToEnd('otto', 'wf_access.orquesta-st2kv', { key_name: 'system.wfkv_token', decrypt: true });
    expect(refused.status).toBe('failed');
    expect(refused.result.errors[0].message).toContain('user otto may not decrypt system.wfkv_token');
    expect(await children(refused.id)).toEqual([]);
    // Without decrypt the secret is its ciphertext, for anyone who may read it.
    const encrypted = await runToEnd('otto', 'wf_access.orquesta-st2kv', { key_name: 'system.wfkv_token' });
    expect(encrypted.result.output.value).toMatch(/^sqk1:/);
  });

  it('decrypts a user secret for its owner', async () => {
    const done = await runToEnd('otto', 'wf_access.orquesta-st2kv', { key_name: 'wfkv_pin', decrypt: true });
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ value: '********' });
    const [task] = await children(done.id);
    expect((await getExecution(server().executions, task.id)).parameters.cmd).toBe('echo pin-77123');
  });

  it('renders st2kv in the cmd of a direct core.local run, as its user', async () => {
    const plain = await runToEnd(null, 'core.local', { cmd: 'echo {{ st2kv.system.wfkv_greeting }} {{ st2kv.user.wfkv_color }}' });
    expect(plain.status).toBe('succeeded');
    expect(plain.result.stdout).toBe('hello blue');
    const secret = await runToEnd(null, 'core.local', { cmd: 'echo {{ st2kv.system.wfkv_token | decrypt_kv }}' });
    expect(secret.result.stdout).toBe('********');
    const refused = await runToEnd('otto', 'core.local', { cmd: 'echo {{ st2kv.system.wfkv_token | decrypt_kv }}' });
    expect(refused.status).toBe('failed');
    expect(refused.result.error).toContain('user otto may not decrypt system.wfkv_token');
    const missing = await runToEnd(null, 'core.local', { cmd: "echo {{ st2kv('system.wfkv_nothing') }}" });
    expect(missing.status).toBe('failed');
    expect(missing.result.error).toMatch(/^cmd: cannot render \{\{ st2kv\('system.wfkv_nothing'\) \}\}: st2kv\(\): the key "system.wfkv_nothing" does not exist/);
  });

  it('fails a task the starting user may not run with FORBIDDEN, runs nothing, and follows failed()', async () => {
    const marker = join(scratch, 'wanda');
    expect((await as('wanda')('POST', '/executions', { action: 'core.local', parameters: { cmd: 'true' } })).status).toBe(403);
    const done = await runToEnd('wanda', 'wf_access.gated', { marker });
    expect(done.status, JSON.stringify(done.result)).toBe('succeeded');
    expect(done.result.output.denied).toEqual({
      code: 'FORBIDDEN', error: expect.stringMatching(/^user wanda lacks permission action:execute on core\.local/),
    });
    expect(await children(done.id)).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it('runs the same workflow for an admin', async () => {
    const marker = join(scratch, 'admin');
    const done = await runToEnd(null, 'wf_access.gated', { marker });
    expect(done.status).toBe('succeeded');
    expect(done.result.output.denied).toBeNull();
    expect(existsSync(marker)).toBe(true);
  });

  it("checks the tasks of a nested workflow against the same user", async () => {
    const marker = join(scratch, 'nested');
    const done = await runToEnd('wanda', 'wf_access.gated_nested', { marker });
    expect(done.status).toBe('succeeded');
    expect(done.result.output.inner.denied.code).toBe('FORBIDDEN');
    const [inner] = await children(done.id);
    expect(inner).toMatchObject({ action: 'wf_access.gated', context: { user: 'wanda' } });
    expect(await children(inner.id)).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });
});
