// The CLI for keys, users, API keys, login, roles and audit, against a real server whose
// log is kept at debug level: a known secret must appear on no output surface (CLI output,
// API answers, the server log, the audit log, the database file) unless explicitly decrypted.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startServer, type RunningServer } from '../src/server.js';
import { squall, type CliRun } from './helpers/cli.js';

const SECRET = 'Zq9-known-secret-value-7781';

// Each CLI call is a process start (about a second on a busy 2-core machine): generous timeouts.
describe('datastore and auth through the CLI', { timeout: 180_000 }, () => {
  let home: string;
  let server: RunningServer;
  const logFile = () => join(home, 'server.log');
  const outputs: string[] = [];

  const sq = (env: Record<string, string>, ...args: string[]) => squall(args, { SQUALL_HOME: home, ...env });
  /** A command whose output must not hold the secret. */
  async function clean(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
    const r = await sq(env, ...args);
    outputs.push(r.stdout + r.stderr);
    return r;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'squall-authcli-'));
    const config = loadConfig({ port: 0, db: join(home, 'squall.db'), pollSeconds: 1, logLevel: 'debug' }, { SQUALL_HOME: home });
    server = await startServer(config, pino({ level: 'debug' }, pino.destination({ dest: join(home, 'server.log'), sync: true })));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('keys: set, get, list, export, load, delete; secrets encrypted unless --decrypt', async () => {
    expect((await clean({}, 'key', 'set', 'db.password', SECRET, '--encrypt')).code).toBe(0);
    expect((await clean({}, 'key', 'set', 'app.channel', '#ops', '--ttl', '3600')).code).toBe(0);
    expect((await clean({}, 'key', 'set', 'app.cfg', '{"replicas": 3}', '--json-value')).code).toBe(0);
    const got = await clean({}, 'key', 'get', 'db.password', '--json');
    expect(JSON.parse(got.stdout)).toMatchObject({ name: 'db.password', secret: true, encrypted: true });
    const listed = await clean({}, 'key', 'list', '--prefix', 'app.', '--json');
    expect(JSON.parse(listed.stdout).map((k: { name: string }) => k.name)).toEqual(['app.cfg', 'app.channel']);
    expect(JSON.parse(listed.stdout)[0].value).toEqual({ replicas: 3 });
    const decrypted = await sq({}, 'key', 'get', 'db.password', '--decrypt', '--json');
    expect(JSON.parse(decrypted.stdout).value).toBe(SECRET);

    // export → delete → load restores the keys, the secret still a secret.
    const exported = await clean({}, 'key', 'export');
    const file = join(home, 'keys.json');
    writeFileSync(file, exported.stdout);
    expect((await clean({}, 'key', 'delete', 'db.password')).code).toBe(0);
    expect((await clean({}, 'key', 'get', 'db.password')).code).toBe(1);
    const loaded = await clean({}, 'key', 'load', file);
    expect(loaded.stdout).toMatch(/loaded 3 key/);
    const table = await clean({}, 'key', 'list');
    expect(table.stdout).toMatch(/db\.password .*\(encrypted\)/);
    expect(JSON.parse((await sq({}, 'key', 'get', 'db.password', '--decrypt', '--json')).stdout)).toMatchObject({ value: SECRET, secret: true });

    const bad = await clean({}, 'key', 'set', 'bad name', 'v');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/KEY_NAME_INVALID|may hold only/);
    expect(bad.stderr).toMatch(/hint:/);
  });

  it('rotate re-encrypts under a new key file (mode 0600) and secrets stay readable', async () => {
    const keyFile = join(home, 'keys', 'datastore.key');
    const before = readFileSync(keyFile, 'utf8');
    const r = await clean({}, 'key', 'rotate', '--json');
    expect(JSON.parse(r.stdout).reencrypted).toBe(1);
    expect(readFileSync(keyFile, 'utf8')).not.toBe(before);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse((await sq({}, 'key', 'get', 'db.password', '--decrypt', '--json')).stdout).value).toBe(SECRET);
  });

  it('key load is all or nothing: a bad entry is named by index and field, and no key is created', async () => {
    const file = join(home, 'mixed.yaml');
    writeFileSync(file, '- name: load.good\n  value: one\n- name: bad name\n  value: two\n');
    const bad = await clean({}, 'key', 'load', file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/keys\[1\]\.name: key name "bad name" may hold only/);
    expect(bad.stderr).toMatch(/hint:/);
    expect((await clean({}, 'key', 'get', 'load.good')).code).toBe(1);
    writeFileSync(file, '- name: load.good\n  value: one\n- name: load.good\n  value: two\n');
    expect((await clean({}, 'key', 'load', file)).stderr).toMatch(/keys\[1\]\.name: key system\.load\.good is also entry 0/);
    writeFileSync(file, '- name: load.good\n  value: one\n- name: load.also\n  value: two\n  secret: true\n');
    expect((await clean({}, 'key', 'load', file)).stdout).toMatch(/loaded 2 key/);
    expect(JSON.parse((await clean({}, 'key', 'list', '--prefix', 'load.', '--json')).stdout).map((k: { name: string; secret: boolean }) => [k.name, k.secret]))
      .toEqual([['load.also', true], ['load.good', false]]);
  });

  it('users, roles, login, API keys and audit', async () => {
    expect((await clean({ SQUALL_PASSWORD: 'pw-for-obs-1' }, 'user', 'create', 'obs')).code).toBe(0);
    expect((await clean({}, 'role', 'assign', 'obs', 'observer')).code).toBe(0);
    const users = await clean({}, 'user', 'list', '--json');
    expect(JSON.parse(users.stdout)).toEqual([expect.objectContaining({ username: 'obs', roles: ['observer'] })]);

    // A second home for the observer: no credentials file, only the login token.
    const obsHome = mkdtempSync(join(tmpdir(), 'squall-obs-'));
    try {
      const env = { SQUALL_HOME: obsHome, SQUALL_URL: server.url!, SQUALL_PASSWORD: 'pw-for-obs-1' };
      const login = await clean(env, 'login', 'obs');
      expect(login.code).toBe(0);
      expect(statSync(join(obsHome, 'token')).mode & 0o777).toBe(0o600);
      const who = await clean(env, 'whoami', '--json');
      expect(JSON.parse(who.stdout)).toMatchObject({ username: 'obs', via: 'token', roles: ['observer'] });
      const denied = await clean(env, 'key', 'get', 'db.password', '--decrypt');
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/lacks permission key:decrypt/);
      const denied2 = await clean(env, 'run', 'core.noop', '--json');
      expect(denied2.code).toBe(1);
      expect((await clean(env, 'user', 'list')).stderr).toMatch(/lacks permission user:list/);
      // Own API key: created, listed without the key, disabled.
      const made = JSON.parse((await sq(env, 'apikey', 'create', '--json')).stdout) as { id: string; key: string };
      const list = await clean(env, 'apikey', 'list', '--json');
      expect(JSON.parse(list.stdout).map((k: { id: string }) => k.id)).toContain(made.id);
      expect(list.stdout).not.toContain(made.key);
      expect((await clean({ SQUALL_HOME: obsHome, SQUALL_URL: server.url!, SQUALL_API_KEY: made.key }, 'whoami', '--json')).code).toBe(0);
      expect((await clean(env, 'apikey', 'disable', made.id)).code).toBe(0);
      expect((await clean({ SQUALL_HOME: obsHome, SQUALL_URL: server.url!, SQUALL_API_KEY: made.key }, 'whoami')).code).toBe(1);
      expect((await clean(env, 'logout')).code).toBe(0);
    } finally {
      rmSync(obsHome, { recursive: true, force: true });
    }

    const trail = await clean({}, 'audit', 'list', '--actor', 'obs', '--json');
    const actions = JSON.parse(trail.stdout).map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.login', 'api_key.create', 'api_key.disable', 'auth.token_revoke']));
    const keyTrail = await clean({}, 'audit', 'list', '--resource-type', 'key', '--resource', 'system.db.password', '--json');
    expect(JSON.parse(keyTrail.stdout).map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['key.create', 'key.delete']));
    expect((await clean({}, 'audit', 'list')).stdout).toMatch(/TIMESTAMP +ACTOR/);
  });

  it('the secret is on no surface: CLI output, API answers, audit, server log, database file', async () => {
    const api = async (path: string) => (await fetch(`${server.url}/api/v1${path}`, { headers: { 'St2-Api-Key': server.apiKey } })).text();
    const answers = [await api('/keys'), await api('/keys/db.password'), await api('/audit?limit=1000'), await api('/executions')];
    for (const text of [...outputs, ...answers]) expect(text).not.toContain(SECRET);
    expect(readFileSync(logFile(), 'utf8').length).toBeGreaterThan(0);
    expect(readFileSync(logFile(), 'utf8')).not.toContain(SECRET);
    for (const f of ['squall.db', 'squall.db-wal']) {
      if (existsSync(join(home, f))) expect(readFileSync(join(home, f)).includes(Buffer.from(SECRET)), f).toBe(false);
    }
  });
});
