// Journeys through the real server on both backends: users, tokens, API keys, RBAC, keys, audit.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, until, type TestServer } from './helpers/server.js';
import { testPostgresUrl } from './helpers/backends.js';
import { squall } from './helpers/cli.js';
import { createTestUser } from './helpers/users.js';
import pg from 'pg';

const pgUp = await new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 2000 }).connect().then((c) => c.end().then(() => true), () => false);

const basic = (u: string, p: string) => ({ authorization: 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64') });

for (const backend of ['sqlite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && !pgUp)(`auth and RBAC through the API [${backend}]`, () => {
    let s: TestServer;
    /** Calls as someone else: with their token (X-Auth-Token) or API key. */
    const as = (cred: { token?: string; key?: string }) => (method: string, path: string, body?: unknown) =>
      s.call(method, path, body, cred.token ? { 'St2-Api-Key': '', 'X-Auth-Token': cred.token } : { 'St2-Api-Key': cred.key! });
    const loginAs = async (u: string, p = 'password-123') => (await s.call('POST', '/auth/tokens', {}, { 'St2-Api-Key': '', ...basic(u, p) })).body.token as string;

    beforeAll(async () => {
      s = await startTestServer(backend);
      for (const u of ['olivia', 'oscar', 'nobody', 'ruth']) expect((await s.call('POST', '/users', { username: u, password: 'password-123' })).status).toBe(201);
      expect((await s.call('POST', '/rbac/assignments', { user: 'olivia', role: 'observer' })).status).toBe(201);
      expect((await s.call('POST', '/rbac/assignments', { user: 'oscar', role: 'operator' })).status).toBe(201);
    });
    afterAll(async () => s?.stop());

    it('requires credentials everywhere but health', async () => {
      expect((await s.call('GET', '/health', undefined, { 'St2-Api-Key': '' })).status).toBe(200);
      for (const path of ['/executions', '/keys', '/status', '/packs', '/audit', '/stream']) {
        const r = await s.call('GET', path, undefined, { 'St2-Api-Key': '' });
        expect(r.status, path).toBe(401);
        expect(r.body.code).toBe('UNAUTHORIZED');
      }
      expect((await s.call('GET', '/executions', undefined, { 'St2-Api-Key': 'sq_forged' })).status).toBe(401);
    });

    it('logs in with a password, and a revoked (stolen) token stops working at once', async () => {
      const token = await loginAs('olivia');
      expect(token).toMatch(/^sqt_/);
      const me = await as({ token })('GET', '/auth/me');
      expect(me.body).toMatchObject({ username: 'olivia', via: 'token', roles: ['observer'] });
      expect((await s.call('GET', '/auth/me', undefined, { 'St2-Api-Key': '', authorization: `Bearer ${token}` })).body.username).toBe('olivia');
      const stolen = token;
      expect((await as({ token })('DELETE', '/auth/tokens')).status).toBe(204);
      const r = await as({ token: stolen })('GET', '/executions');
      expect(r.status).toBe(401);
      expect(r.body.faultstring).toMatch(/revoked/);
    });

    it('refuses a wrong password, and rate-limits guessing per user', async () => {
      const bad = await s.call('POST', '/auth/tokens', {}, { 'St2-Api-Key': '', ...basic('ruth', 'wrong-guess') });
      expect(bad.status).toBe(401);
      for (let i = 0; i < 5; i++) await s.call('POST', '/auth/tokens', {}, { 'St2-Api-Key': '', ...basic('ruth', 'wrong-guess') });
      const limited = await s.call('POST', '/auth/tokens', {}, { 'St2-Api-Key': '', ...basic('ruth', 'password-123') });
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('TOO_MANY_ATTEMPTS');
    });

    it('expires tokens by their TTL', async () => {
      const r = await s.call('POST', '/auth/tokens', { ttl: 1 }, { 'St2-Api-Key': '', ...basic('oscar', 'password-123') });
      expect(r.status).toBe(201);
      expect((await as({ token: r.body.token })('GET', '/executions')).status).toBe(200);
      await until(async () => (await as({ token: r.body.token })('GET', '/executions')).status === 401, 8000, 'token expiry');
    });

    it('API keys: shown once, stored hashed, disabled and expired keys refused', async () => {
      const created = await s.call('POST', '/apikeys', { user: 'oscar', description: 'ci' });
      expect(created.status).toBe(201);
      const key = created.body.key as string;
      const listed = await s.call('GET', '/apikeys?user=oscar');
      expect(JSON.stringify(listed.body)).not.toContain(key);
      const raw = await s.store.read((tx) => tx.all<Record<string, unknown>>('select * from api_keys'));
      expect(JSON.stringify(raw)).not.toContain(key);
      expect((await as({ key })('GET', '/executions')).status).toBe(200);
      expect((await s.call('PUT', `/apikeys/${created.body.id}`, { enabled: false })).status).toBe(200);
      expect((await as({ key })('GET', '/executions')).status).toBe(401);
      expect((await s.call('PUT', `/apikeys/${created.body.id}`, { enabled: true })).status).toBe(200);
      expect((await as({ key })('GET', '/executions')).status).toBe(200);
      expect((await s.call('DELETE', `/apikeys/${created.body.id}`)).status).toBe(204);
      expect((await as({ key })('GET', '/executions')).status).toBe(401);
      const short = await s.call('POST', '/apikeys', { user: 'oscar', ttl: 1 });
      await until(async () => (await as({ key: short.body.key })('GET', '/executions')).status === 401, 8000, 'API key expiry');
    });

    it('observer reads but cannot run; operator runs; a user without roles does neither', async () => {
      const observer = as({ token: await loginAs('olivia') });
      const operator = as({ token: await loginAs('oscar') });
      const nobody = as({ token: await loginAs('nobody') });
      expect((await observer('GET', '/executions')).status).toBe(200);
      expect((await observer('GET', '/packs')).status).toBe(200);
      const denied = await observer('POST', '/executions', { action: 'core.noop', parameters: {} });
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({ code: 'FORBIDDEN' });
      expect(denied.body.faultstring).toMatch(/action:execute/);
      const ran = await operator('POST', '/executions', { action: 'core.noop', parameters: {} });
      expect(ran.status).toBe(201);
      expect(ran.body.context.user).toBe('oscar');
      // Everyone may list the executions they started: nobody started none.
      expect(await nobody('GET', '/executions')).toEqual({ status: 200, body: [] });
      expect((await nobody('POST', '/executions', { action: 'core.noop' })).status).toBe(403);
      // Owner-only: nobody may not view oscar's execution...
      expect((await nobody('GET', `/executions/${ran.body.id}`)).status).toBe(403);
      // ...observers may not manage users, roles or the audit log.
      expect((await observer('GET', '/users')).status).toBe(403);
      expect((await observer('GET', '/audit')).status).toBe(403);
      expect((await operator('POST', '/rbac/assignments', { user: 'oscar', role: 'admin' })).status).toBe(403);
    });

    it('grants on one pack: allowed there, denied elsewhere; own executions stay visible', async () => {
      expect((await s.call('PUT', '/rbac/roles/noop_runner', { permission_grants: [{ resource_uid: 'action:core.noop', permission_types: ['action_execute'] }] })).status).toBe(200);
      expect((await s.call('POST', '/rbac/assignments', { user: 'ruth', role: 'noop_runner' })).status).toBe(201);
      // ruth was rate-limited above on this node; the operator's token flow is separate, so use an API key.
      const key = (await s.call('POST', '/apikeys', { user: 'ruth' })).body.key as string;
      const ruth = as({ key });
      const ok = await ruth('POST', '/executions', { action: 'core.noop', parameters: {} });
      expect(ok.status).toBe(201);
      expect((await ruth('POST', '/executions', { action: 'core.local', parameters: { cmd: 'true' } })).status).toBe(403);
      expect((await ruth('GET', `/executions/${ok.body.id}`)).status).toBe(200);
      // `squall run` waits on the stream of its own execution: allowed; the whole stream is not.
      const own = await fetch(`${s.url}/api/v1/stream?execution=${ok.body.id}`, { headers: { 'St2-Api-Key': key } });
      expect(own.status).toBe(200);
      await own.body?.cancel();
      expect((await ruth('GET', '/stream')).status).toBe(403);
      expect((await ruth('DELETE', `/executions/${ok.body.id}`)).status).not.toBe(403);
      expect((await ruth('POST', `/executions/${ok.body.id}/re_run`, { parameters: {} })).status).toBe(201);
      // Without execution:list ruth lists only what she started.
      const mine = (await ruth('GET', '/executions?limit=1000')).body as Array<{ context: { user?: string } }>;
      expect(mine.length).toBe(2);
      expect(mine.every((e) => e.context.user === 'ruth')).toBe(true);
      // Revoking the role takes effect on the next request (cache invalidated on change).
      expect((await s.call('DELETE', '/rbac/assignments/ruth/noop_runner')).status).toBe(204);
      expect((await ruth('POST', '/executions', { action: 'core.noop', parameters: {} })).status).toBe(403);
      // Still the owner: may view it, but a re-run needs action:execute again.
      expect((await ruth('GET', `/executions/${ok.body.id}`)).status).toBe(200);
      expect((await ruth('POST', `/executions/${ok.body.id}/re_run`, { parameters: {} })).status).toBe(403);
    });

    it('webhooks: a key or token needs webhook:execute on that url (st2 webhook_send), else 403 and nothing stored', async () => {
      for (const url of ['rbac/hook-a', 'rbac/hook-b']) {
        const name = url.replace('rbac/', 'wh_').replace('-', '_');
        expect((await s.call('POST', '/rules', { name, pack: 'default', trigger: { type: 'core.st2.webhook', parameters: { url } }, action: { ref: 'core.noop' } })).status).toBe(201);
      }
      const stored = async (url: string) => ((await s.call('GET', '/triggerinstances?trigger_type=core.st2.webhook&limit=1000')).body as Array<{ payload: { url: string } }>)
        .filter((i) => i.payload.url === url).length;
      const none = await createTestUser(s, 'hook_none');
      const denied = await none.call('POST', '/webhooks/rbac/hook-a', { n: 1 });
      expect(denied.status).toBe(403);
      expect(denied.body.faultstring).toMatch(/webhook:execute on webhook rbac\/hook-a/);
      expect((await none.call('POST', '/webhooks/st2', { trigger: 'core.st2.webhook', payload: {} })).status).toBe(403);
      expect(await stored('rbac/hook-a')).toBe(0);
      const sender = await createTestUser(s, 'hook_sender', [{ resource_uid: 'webhook:rbac/hook-a', permission_types: ['webhook_send'] }]);
      expect((await sender.call('POST', '/webhooks/rbac/hook-a', { n: 2 })).status).toBe(202);
      expect((await as({ token: await loginAs('hook_sender') })('POST', '/webhooks/rbac/hook-a', { n: 3 })).status).toBe(202);
      expect((await sender.call('POST', '/webhooks/rbac/hook-b', { n: 4 })).status).toBe(403);
      expect(await stored('rbac/hook-a')).toBe(2);
      expect(await stored('rbac/hook-b')).toBe(0);
      // The operator role holds webhook:execute on every webhook.
      expect((await as({ token: await loginAs('oscar') })('POST', '/webhooks/rbac/hook-b', { n: 5 })).status).toBe(202);
    });

    it('lists show what scoped grants cover and what the user started, filtered by the store', async () => {
      const run = async (call: TestServer['call'], action: string, parameters: Record<string, unknown>) => {
        const r = await call('POST', '/executions', { action, parameters });
        expect(r.status).toBe(201);
        return r.body.id as string;
      };
      const noop = await run(s.call, 'core.noop', {});
      const local = await run(s.call, 'core.local', { cmd: 'true' });
      const viewer = await createTestUser(s, 'noop_viewer', [
        { resource_uid: 'action:core.noop', permission_types: ['execution_list'] },
        { resource_uid: 'action:core.echo', permission_types: ['action_execute'] },
      ]);
      const own = await run(viewer.call, 'core.echo', { message: 'mine' });
      const listed = async (user: { call: TestServer['call'] }, query = '') => {
        const r = await user.call('GET', `/executions?limit=1000${query}`);
        expect(r.status).toBe(200);
        return r.body as Array<{ id: string; action: string; context: { user?: string } }>;
      };
      const seen = await listed(viewer);
      expect(seen.map((e) => e.id)).toEqual(expect.arrayContaining([noop, own]));
      expect(seen.map((e) => e.id)).not.toContain(local);
      expect(seen.every((e) => e.action === 'core.noop' || e.context.user === 'noop_viewer')).toBe(true);
      expect(await listed(viewer, '&action=core.local')).toEqual([]);
      // A grant on the pack covers every execution of its actions; a prefix uid covers those it names.
      const packer = await listed(await createTestUser(s, 'core_viewer', [{ resource_uid: 'pack:core', permission_types: ['execution_list'] }]));
      expect(packer.map((e) => e.id)).toEqual(expect.arrayContaining([noop, local, own]));
      const prefixed = await listed(await createTestUser(s, 'lo_viewer', [{ resource_uid: 'action:core.lo*', permission_types: ['execution_list'] }]));
      expect(prefixed.map((e) => e.id)).toContain(local);
      expect(prefixed.every((e) => e.action.startsWith('core.lo'))).toBe(true);
      // A global grant (observer) and admins see everything, unfiltered.
      expect((await listed(await createTestUser(s, 'all_viewer', [{ permission_types: ['execution_list'] }]))).length).toBe((await listed({ call: s.call })).length);
    });

    it('who changed this rule: created by one user, updated by another, deleted by the first, all in `squall audit list`', async () => {
      const grants = [{ permission_types: ['rule_create', 'rule_modify', 'rule_delete', 'rule_view'] }];
      const alice = await createTestUser(s, 'rule_alice', grants);
      const bob = await createTestUser(s, 'rule_bob', grants);
      const dir = mkdtempSync(join(tmpdir(), 'squall-rule-'));
      const file = join(dir, 'hook.yaml');
      const rule = (status: string) => writeFileSync(file, `name: audited_hook\npack: default\ntrigger:\n  type: core.st2.webhook\n  parameters: {url: audited}\ncriteria:\n  trigger.body.status: {type: equals, pattern: ${status}}\naction:\n  ref: core.noop\n`);
      const as_ = (u: { key: string }) => ({ SQUALL_URL: s.url!, SQUALL_API_KEY: u.key, SQUALL_HOME: dir });
      rule('open');
      expect((await squall(['rule', 'create', file], as_(alice))).stdout).toMatch(/created rule default\.audited_hook/);
      rule('closed');
      expect((await squall(['rule', 'update', file], as_(bob))).code).toBe(0);
      expect((await squall(['rule', 'delete', 'default.audited_hook'], as_(alice))).code).toBe(0);
      const trail = await squall(['audit', 'list', '--resource', 'default.audited_hook', '--json'], { SQUALL_HOME: s.home });
      rmSync(dir, { recursive: true, force: true });
      expect(JSON.parse(trail.stdout).map((e: { actor: string; action: string; resource_type: string; details: Record<string, unknown> }) => [e.actor, e.action, e.resource_type, e.details]))
        .toEqual([
          ['rule_alice', 'rule.delete', 'rule', {}],
          // Updated by bob, the rule now acts with bob's permissions: its owner changed too.
          ['rule_bob', 'rule.update', 'rule', { changes: ['context.user', 'criteria.trigger.body.status'] }],
          ['rule_alice', 'rule.create', 'rule', { trigger: 'core.st2.webhook', action: 'core.noop' }],
        ]);
      expect((await squall(['audit', 'list', '--resource', 'default.audited_hook'], { SQUALL_HOME: s.home })).stdout).toMatch(/rule_alice +127\.0\.0\.1 +rule\.delete/);
    });

    it('API changes: a failed one leaves no entry; a success whose entry cannot be written answers AUDIT_UNAVAILABLE', async () => {
      const audited = async () => ((await s.call('GET', '/audit?action=execution.request&actor=admin&limit=1000')).body as unknown[]).length;
      const before = await audited();
      expect((await s.call('POST', '/executions', { action: 'core.missing', parameters: {} })).status).toBe(404);
      const ran = await s.call('POST', '/executions', { action: 'core.noop', parameters: {} });
      expect(ran.status).toBe(201);
      expect(await audited()).toBe(before + 1);
      const entry = ((await s.call('GET', `/audit?resource_ref=${ran.body.id}`)).body as Array<{ details: Record<string, unknown> }>)[0]!;
      expect(entry.details).toMatchObject({ method: 'POST', route: '/api/v1/executions', status: 201, action: 'core.noop', fields: ['action', 'parameters'], parameters: [] });
      // The audit table gone (a database fault): the change stands, and the answer says it was not audited.
      const noops = async () => ((await s.call('GET', '/executions?action=core.noop&limit=1000')).body as unknown[]).length;
      const made = await noops();
      await s.store.tx((tx) => tx.run('alter table audit_log rename to audit_log_away'));
      try {
        const unaudited = await s.call('POST', '/executions', { action: 'core.noop', parameters: {} });
        expect(unaudited.status).toBe(500);
        expect(unaudited.body.code).toBe('AUDIT_UNAVAILABLE');
        expect(unaudited.body.faultstring).toMatch(/^POST \/api\/v1\/executions was made, but its audit entry could not be written/);
      } finally {
        await s.store.tx((tx) => tx.run('alter table audit_log_away rename to audit_log'));
      }
      expect(await noops()).toBe(made + 1);
    });

    it('rules act with their owner\'s permissions: a rule author without core.local cannot run it through a rule', async () => {
      const grants = [
        { permission_types: ['rule:create', 'rule:view', 'rule:list'] },
        { resource_uid: 'action:core.noop', permission_types: ['action:execute'] },
      ];
      const rita = (await createTestUser(s, 'rita', grants)).call;
      const rule = (name: string, url: string, action: string, parameters: Record<string, unknown>) =>
        rita('POST', '/rules', { name, pack: 'default', trigger: { type: 'core.st2.webhook', parameters: { url } }, action: { ref: action, parameters } });
      expect((await rule('via_local', 'rbac/local', 'core.local', { cmd: 'true' })).status).toBe(201);
      expect((await rule('via_noop', 'rbac/noop', 'core.noop', {})).status).toBe(201);
      expect((await s.call('POST', '/webhooks/rbac/local', { n: 1 })).status).toBe(202);
      expect((await s.call('POST', '/webhooks/rbac/noop', { n: 1 })).status).toBe(202);
      const decided = async (ref: string) => ((await s.call('GET', '/ruleenforcements?limit=1000')).body as Array<{ rule_ref: string; status: string; failure_reason: string | null; execution_id: string | null }>)
        .find((e) => e.rule_ref === ref);
      const denied = await until(() => decided('default.via_local'), 15_000, 'enforcement of via_local');
      expect(denied).toMatchObject({ status: 'failed', execution_id: null });
      expect(denied.failure_reason).toMatch(/FORBIDDEN: rule owner rita lacks permission action:execute on core\.local/);
      const allowed = await until(() => decided('default.via_noop'), 15_000, 'enforcement of via_noop');
      expect(allowed.status).toBe('succeeded');
      expect((await s.call('GET', `/executions/${allowed.execution_id}`)).body.context.user).toBe('rita');
      const trail = (await s.call('GET', `/audit?action=execution.request&actor=rita`)).body as Array<{ resource_ref: string; source_address: string }>;
      expect(trail).toEqual(expect.arrayContaining([expect.objectContaining({ resource_ref: allowed.execution_id, source_address: 'rule:default.via_noop' })]));
      // Nor may the rule decrypt a system secret its owner may not.
      expect((await s.call('PUT', '/keys/rule.secret', { value: 'rule-s3cret', secret: true })).status).toBeLessThan(300);
      expect((await rule('via_secret', 'rbac/secret', 'core.noop', { x: '{{ st2kv.system.rule.secret | decrypt_kv }}' })).status).toBe(201);
      expect((await s.call('POST', '/webhooks/rbac/secret', { n: 1 })).status).toBe(202);
      const secret = await until(() => decided('default.via_secret'), 15_000, 'enforcement of via_secret');
      expect(secret).toMatchObject({ status: 'failed', execution_id: null });
      expect(secret.failure_reason).toMatch(/user rita may not decrypt system\.rule\.secret/);
    });

    it('keys: system keys by permission, user keys private, secrets decrypted only with permission', async () => {
      const secret = 'S3cr3t-known-value-42';
      expect((await s.call('PUT', '/keys/db.password', { value: secret, secret: true })).status).toBe(200);
      const observer = as({ token: await loginAs('olivia') });
      const operator = as({ token: await loginAs('oscar') });
      const enc = await observer('GET', '/keys/db.password');
      expect(enc.status).toBe(200);
      expect(enc.body).toMatchObject({ secret: true, encrypted: true });
      expect(JSON.stringify(enc.body)).not.toContain(secret);
      const denied = await operator('GET', '/keys/db.password?decrypt=true');
      expect(denied.status).toBe(403);
      expect(JSON.stringify(denied.body)).not.toContain(secret);
      expect((await s.call('GET', '/keys/db.password?decrypt=true')).body.value).toBe(secret);
      expect((await observer('PUT', '/keys/x', { value: '1' })).status).toBe(403);
      expect((await operator('PUT', '/keys/x', { value: '1' })).status).toBe(200);
      // User scope: my own secret, decrypted by me, invisible to others.
      expect((await observer('PUT', '/keys/mine?scope=user', { value: 'olivia-secret', secret: true, scope: 'user' })).status).toBe(200);
      expect((await observer('GET', '/keys/mine?scope=user&decrypt=true')).body.value).toBe('olivia-secret');
      expect((await operator('GET', '/keys/mine?scope=user&user=olivia')).status).toBe(403);
      expect((await operator('GET', '/keys/mine?scope=user')).status).toBe(404);
      const list = await observer('GET', '/keys?prefix=db.');
      expect(list.body.map((k: { name: string }) => k.name)).toEqual(['db.password']);
      expect(JSON.stringify(list.body)).not.toContain(secret);
      expect((await observer('GET', '/keys?decrypt=true')).status).toBe(403);
    });

    it('keys: bad names, oversized values and TTL', async () => {
      const bad = await s.call('PUT', '/keys/' + encodeURIComponent('has space'), { value: 'v' });
      expect(bad.status).toBe(422);
      expect(bad.body.code).toBe('KEY_NAME_INVALID');
      const big = await s.call('PUT', '/keys/big', { value: 'x'.repeat(70_000) });
      expect(big.status).toBe(413);
      expect(big.body.code).toBe('KEY_VALUE_TOO_LARGE');
      expect((await s.call('GET', '/keys/big')).status).toBe(404);
      expect((await s.call('PUT', '/keys/brief', { value: 'v', ttl: 1 })).status).toBe(200);
      expect((await s.call('GET', '/keys/brief')).status).toBe(200);
      await until(async () => (await s.call('GET', '/keys/brief')).status === 404, 5000, 'TTL');
      expect((await s.call('GET', '/keys?prefix=brief')).body).toEqual([]);
      const foreign = await s.call('PUT', '/keys/imported', { value: 'sqk1:000000000000:AAAA:AAAA:AAAA', encrypted: true });
      expect(foreign.status).toBe(400);
      expect(foreign.body.faultstring).toMatch(/not made with this datastore's key/);
    });

    it('audit answers who changed what, from where, without secrets', async () => {
      const operator = as({ token: await loginAs('oscar') });
      await operator('PUT', '/keys/audited', { value: 'the-audited-secret', secret: true });
      await operator('POST', '/executions', { action: 'core.noop', parameters: {} });
      const keyLog = await s.call('GET', '/audit?resource_type=key&resource_ref=system.audited');
      expect(keyLog.body[0]).toMatchObject({ actor: 'oscar', action: 'key.create', resource_ref: 'system.audited' });
      expect(keyLog.body[0].source_address).toMatch(/127\.0\.0\.1/);
      const runs = await s.call('GET', '/audit?action=execution.request&actor=oscar');
      expect(runs.body.length).toBeGreaterThan(0);
      expect(runs.body[0].details.action).toBe('core.noop');
      const all = await s.call('GET', '/audit?limit=1000');
      expect(JSON.stringify(all.body)).not.toContain('the-audited-secret');
      expect(JSON.stringify(all.body)).not.toContain('S3cr3t-known-value-42');
      expect(all.body.some((e: { action: string }) => e.action === 'user.create')).toBe(true);
      expect(all.body.some((e: { action: string }) => e.action === 'role.assign')).toBe(true);
      // Pack registration through the API: recorded with the pack's name.
      expect((await s.call('POST', '/packs/register', { path: join(import.meta.dirname, 'fixtures', 'packs', 'demo_v2') })).status).toBe(201);
      const packLog = await s.call('GET', '/audit?resource_type=pack');
      expect(packLog.body[0]).toMatchObject({ actor: 'admin', action: 'pack.register', resource_ref: 'demo' });
    });
  });
}

describe('RBAC files', () => {
  let s: TestServer | undefined;
  afterAll(async () => s?.stop());

  it('loads roles and assignments at start, and a malformed file changes nothing', async () => {
    s = await startTestServer('sqlite');
    mkdirSync(join(s.home, 'rbac', 'roles'), { recursive: true });
    mkdirSync(join(s.home, 'rbac', 'assignments'), { recursive: true });
    writeFileSync(join(s.home, 'rbac', 'roles', 'deployers.yaml'), 'name: deployers\npermission_grants:\n  - resource_uid: pack:core\n    permission_types: [action_execute, execution_list]\n');
    writeFileSync(join(s.home, 'rbac', 'assignments', 'dana.yaml'), 'username: dana\nroles: [deployers]\n');
    const loaded = await s.call('POST', '/rbac/reload');
    expect(loaded.status).toBe(200);
    expect(loaded.body).toEqual({ roles: ['deployers'], assignments: 1 });
    expect((await s.call('GET', '/rbac/assignments?user=dana')).body).toEqual([expect.objectContaining({ role: 'deployers' })]);
    // A bad permission in one file and broken YAML in another: both reported, nothing applied.
    writeFileSync(join(s.home, 'rbac', 'roles', 'broken.yaml'), 'name: broken\npermission_grants:\n  - permission_types: [action_fly]\n');
    writeFileSync(join(s.home, 'rbac', 'assignments', 'erin.yaml'), 'username: erin\nroles: [deployers\n');
    const bad = await s.call('POST', '/rbac/reload');
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('RBAC_FILE_INVALID');
    expect(bad.body.faultstring).toMatch(/broken\.yaml.*action_fly/);
    expect(bad.body.faultstring).toMatch(/erin\.yaml/);
    expect((await s.call('GET', '/rbac/assignments?user=dana')).body).toHaveLength(1);
    expect((await s.call('GET', '/rbac/roles')).body.map((r: { name: string }) => r.name)).toEqual(['admin', 'deployers', 'observer', 'operator']);
  });
});
