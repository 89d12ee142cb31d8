import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../../test/helpers/backends.js';
import { createApiKey, createKeyVerifier } from '../../auth/api-keys.js';
import { actionPolicies, createPackDeps, findAction, packDirectory } from '../../packs/index.js';
import { packageRoot } from '../../paths.js';
import { buildApi } from '../server.js';
import { packRoutes } from './packs.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'packs');

describeBackends('api: packs and actions', ({ open }) => {
  let app: FastifyInstance;
  let key: string;

  beforeAll(async () => {
    const store = await open();
    const now = () => Date.now();
    const log = pino({ level: 'silent' });
    const packs = createPackDeps(store, now, new Map(['local-shell-cmd', 'local-shell-script', 'noop', 'orquesta'].map((n) => [n, {}])));
    key = (await createApiKey(store, 'admin', now())).key;
    app = await buildApi({
      executions: { store, now, log, node: 'test', runners: new Map(), findAction, packDir: packDirectory, policies: actionPolicies, onFinished: [], onChildStatus: [], controls: new Map() },
      verifyKey: createKeyVerifier(store, now),
      maskSecrets: async (list) => list,
      status: async () => ({ version: 'test', node: 'test', roles: ['api'], store: 'sqlite', uptime_seconds: 0, queues: {} }),
      log,
      bodyLimitBytes: 1024 * 1024,
    }, [(a) => packRoutes(a, packs)]);
  });
  afterAll(async () => {
    await app?.close();
  });

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => {
    const res = await app.inject({ method, url: `/api/v1${url}`, headers: { 'St2-Api-Key': key }, payload });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
  };

  it('asks for authentication', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/packs' });
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body).code).toBe('UNAUTHORIZED');
  });

  it('registers a pack from a directory and lists it', async () => {
    const res = await call('POST', '/packs/register', { path: join(fixtures, 'demo') });
    expect(res.status).toBe(201);
    expect(res.body.pack).toMatchObject({ name: 'demo', version: '1.0.0', path: join(fixtures, 'demo') });
    expect(res.body.pack.registered_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(res.body.actions.map((a: { ref: string }) => a.ref)).toEqual(['demo.deploy', 'demo.hello', 'demo.restart']);
    expect(res.body.policies).toHaveLength(3);
    expect((await call('GET', '/packs')).body.map((p: { name: string }) => p.name)).toEqual(['demo']);
    expect((await call('GET', '/packs/demo')).body).toMatchObject({ name: 'demo', metadata: { author: 'Squall tests' } });
    expect((await call('GET', '/packs/nope')).body).toMatchObject({ code: 'PACK_NOT_FOUND' });
  });

  it('answers a broken pack with 422, file:line field, and keeps the registered version', async () => {
    const res = await call('POST', '/packs/register', { path: join(fixtures, 'broken', 'param-type') });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'PACK_INVALID',
      faultstring: 'actions/restart.yaml:13: parameters.timeout.type must be one of string, integer, number, boolean, array, object, null (got "int")',
      where: { file: 'actions/restart.yaml', line: 13, field: 'parameters.timeout.type' },
    });
    expect((await call('GET', '/packs/demo')).body.version).toBe('1.0.0');
    expect((await call('GET', '/actions?pack=demo')).body).toHaveLength(3);
  });

  it('refuses a relative pack path', async () => {
    const res = await call('POST', '/packs/register', { path: 'test/fixtures/packs/demo' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'BAD_REQUEST', where: { field: 'path' } });
  });

  it('lists actions a page at a time with the total, and gets one', async () => {
    const page = await call('GET', '/actions?pack=demo&limit=2&offset=1');
    expect(page.status).toBe(200);
    expect(page.headers['x-total-count']).toBe('3');
    expect(page.body.map((a: { ref: string }) => a.ref)).toEqual(['demo.hello', 'demo.restart']);
    const restart = await call('GET', '/actions/demo.restart');
    expect(restart.body).toMatchObject({
      ref: 'demo.restart', runner_type: 'local-shell-script', entry_point: 'restart.sh', enabled: true,
      parameters: { timeout: { type: 'integer', default: 60 }, password: { type: 'string', secret: true } },
      metadata: { tags: [{ name: 'team', value: 'ops' }] },
    });
    expect(await call('GET', '/actions/demo.nope')).toMatchObject({ status: 404, body: { code: 'ACTION_NOT_FOUND' } });
  });

  it('creates, updates and deletes an action', async () => {
    const body = { pack: 'demo', name: 'greet', runner_type: 'local-shell-cmd', parameters: { cmd: { type: 'string', default: 'echo hi' } } };
    const created = await call('POST', '/actions', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ref: 'demo.greet', enabled: true });
    expect((await call('POST', '/actions', body)).body).toMatchObject({ code: 'CONFLICT' });

    const updated = await call('PUT', '/actions/demo.greet', { ...body, description: 'Greets.' });
    expect(updated.status).toBe(200);
    expect(updated.body.description).toBe('Greets.');
    expect((await call('GET', '/actions/demo.greet')).body.description).toBe('Greets.');

    expect((await call('DELETE', '/actions/demo.greet')).status).toBe(204);
    expect((await call('GET', '/actions/demo.greet')).status).toBe(404);
  });

  it('answers a bad action body with 422 naming each field', async () => {
    const res = await call('POST', '/actions', { pack: 'demo', name: 'bad', runner_type: 'local-shell-cmd', parameters: { n: { type: 'int' } }, extra: 1 });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('PACK_INVALID');
    expect(res.body.faultstring.split('\n')).toEqual([
      'extra is not a known field (known: name, runner_type, description, enabled, entry_point, pack, parameters, output_schema, tags, notify, metadata_file, id, ref, uid)',
      'parameters.n.type must be one of string, integer, number, boolean, array, object, null (got "int")',
    ]);
    expect((await call('GET', '/actions/demo.bad')).status).toBe(404);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, object> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/packs', '/api/v1/packs/register', '/api/v1/packs/{name}', '/api/v1/actions', '/api/v1/actions/{ref}']));
  });

  it('removes a pack and its actions', async () => {
    expect((await call('DELETE', '/packs/demo')).status).toBe(204);
    expect((await call('GET', '/actions')).body).toEqual([]);
    expect((await call('DELETE', '/packs/demo')).body).toMatchObject({ code: 'PACK_NOT_FOUND' });
  });
});
