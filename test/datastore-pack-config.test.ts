// Pack configuration: checked against config.schema.yaml at registration, defaults applied,
// secrets masked, st2kv templates resolved at use.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { createDatastore, setKey, type DatastoreDeps } from '../src/datastore/index.js';
import { hasCode } from '../src/errors.js';
import { createPackDeps, registerPack, type PackDeps } from '../src/packs/index.js';
import { getPackConfig, maskedValues, packConfigContent, resolvePackConfig } from '../src/packs/config.js';
import { builtinRunners } from '../src/runners/index.js';
import { describeBackends } from './helpers/backends.js';

const fixture = join(import.meta.dirname, 'fixtures', 'packs', 'configured');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describeBackends('pack configuration', ({ open }) => {
  let home: string;
  let pack: string;
  let packs: PackDeps;
  let ds: DatastoreDeps;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'squall-cfg-'));
    dirs.push(home);
    pack = join(home, 'configured');
    cpSync(fixture, pack, { recursive: true });
    const store = await open();
    packs = createPackDeps(store, Date.now, builtinRunners(), { contents: [packConfigContent(home)] });
    ds = createDatastore(store, home, Date.now);
  });

  it('applies defaults, masks secrets, resolves st2kv at use', async () => {
    await registerPack(packs, pack);
    const config = (await packs.store.read((tx) => getPackConfig(tx, 'configured')))!;
    expect(config.values).toMatchObject({ api_url: 'https://svc.example.com', timeout: 30, regions: ['eu-west-1'] });
    expect(maskedValues(config)).toMatchObject({ api_token: '********', api_url: 'https://svc.example.com' });
    await setKey(ds, { scope: 'system', name: 'configured.token', value: 'tok-secret-99', secret: true }, { user: 'admin' });
    const resolved = await resolvePackConfig(ds, 'configured');
    expect(resolved).toEqual({ api_url: 'https://svc.example.com', api_token: 'tok-secret-99', timeout: 30, regions: ['eu-west-1'] });
    // The stored config holds the reference, never the secret.
    const raw = await packs.store.read((tx) => tx.get<{ config_values: string }>('select config_values from pack_configs where pack = $1', ['configured']));
    expect(raw!.config_values).not.toContain('tok-secret-99');
  });

  it('$SQUALL_HOME/configs/<pack>.yaml wins over the pack directory', async () => {
    cpSync(join(fixture, 'configs'), join(home, 'configs'), { recursive: true });
    writeFileSync(join(home, 'configs', 'configured.yaml'), 'api_url: https://other.example.com\napi_token: plain\ntimeout: 5\n');
    await registerPack(packs, pack);
    expect((await resolvePackConfig(ds, 'configured'))).toMatchObject({ api_url: 'https://other.example.com', timeout: 5 });
  });

  it('rejects values that break the schema, naming the file and field; nothing registered', async () => {
    writeFileSync(join(pack, 'configs', 'configured.yaml'), 'api_token: x\ntimeout: soon\n');
    const err = await registerPack(packs, pack).catch((e: unknown) => e);
    expect(hasCode(err, 'PACK_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/configured\.yaml: timeout must be integer/);
    expect((err as Error).message).toMatch(/api_url/);
    expect(await packs.store.read((tx) => tx.get('select name from packs where name = $1', ['configured']))).toBeUndefined();
  });
});

it('the API masks secret settings; show_secrets resolves them for admins only', async () => {
  const { startTestServer } = await import('./helpers/server.js');
  const home = mkdtempSync(join(tmpdir(), 'squall-cfgapi-'));
  dirs.push(home);
  cpSync(fixture, join(home, 'configured'), { recursive: true });
  const s = await startTestServer('sqlite', { packs: [join(home, 'configured')] });
  try {
    expect((await s.call('PUT', '/keys/configured.token', { value: 'tok-api-secret', secret: true })).status).toBe(200);
    const masked = await s.call('GET', '/configs/configured');
    expect(masked.body.values).toMatchObject({ api_token: '********', timeout: 30 });
    expect(JSON.stringify(masked.body)).not.toContain('tok-api-secret');
    expect((await s.call('GET', '/configs/configured?show_secrets=true')).body.values.api_token).toBe('tok-api-secret');
    await s.call('POST', '/users', { username: 'viewer', password: 'password-123' });
    await s.call('POST', '/rbac/assignments', { user: 'viewer', role: 'observer' });
    const key = (await s.call('POST', '/apikeys', { user: 'viewer' })).body.key as string;
    expect((await s.call('GET', '/configs/configured', undefined, { 'St2-Api-Key': key })).status).toBe(200);
    const denied = await s.call('GET', '/configs/configured?show_secrets=true', undefined, { 'St2-Api-Key': key });
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).not.toContain('tok-api-secret');
  } finally {
    await s.stop();
  }
});
