// /api/v1/packs: register a pack from a directory on the server's machine, list, get,
// remove. Also mounts /api/v1/actions, the packs' contents.
import { isAbsolute } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SquallError } from '../../errors.js';
import { getPack, listPacks, registerPack, removePack, type Pack, type PackDeps } from '../../packs/index.js';
import { actionRoutes, actionToApi, ActionOut } from './actions.js';

const PackOut = Type.Object({
  name: Type.String(),
  version: Type.String(),
  description: Type.String(),
  path: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  registered_at: Type.String({ format: 'date-time' }),
});

const PolicyOut = Type.Object({
  ref: Type.String(),
  pack: Type.String(),
  name: Type.String(),
  resource_ref: Type.String(),
  policy_type: Type.String(),
  parameters: Type.Record(Type.String(), Type.Unknown()),
  enabled: Type.Boolean(),
});

const RegisteredOut = Type.Object({ pack: PackOut, actions: Type.Array(ActionOut), policies: Type.Array(PolicyOut) });

const NameParams = Type.Object({ name: Type.String({ pattern: '^[a-z0-9_]+$' }) });

const RegisterBody = Type.Object({
  path: Type.String({ minLength: 1, description: 'absolute path of the pack directory on the server' }),
}, { additionalProperties: false });

function packToApi(p: Pack) {
  return { ...p, registered_at: new Date(p.registered_at).toISOString() };
}

/** Pack and action routes over the given packs module deps. */
export function packRoutes(app: FastifyInstance, deps: PackDeps): void {
  app.get('/api/v1/packs', { schema: { response: { 200: Type.Array(PackOut) } } }, async () => (await listPacks(deps)).map(packToApi));

  app.get('/api/v1/packs/:name', { schema: { params: NameParams, response: { 200: PackOut } } }, async (req) => {
    return packToApi(await getPack(deps, (req.params as Static<typeof NameParams>).name));
  });

  app.post('/api/v1/packs/register', { schema: { body: RegisterBody, response: { 201: RegisteredOut } } }, async (req, reply) => {
    const { path } = req.body as Static<typeof RegisterBody>;
    // A relative path would be resolved against the server's working directory, which
    // the client cannot see: the CLI sends absolute paths.
    if (!isAbsolute(path)) throw new SquallError('BAD_REQUEST', `path must be absolute (got "${path}")`, { field: 'path' });
    const r = await registerPack(deps, path);
    return reply.code(201).send({ pack: packToApi(r.pack), actions: r.actions.map(actionToApi), policies: r.policies });
  });

  app.delete('/api/v1/packs/:name', { schema: { params: NameParams } }, async (req, reply) => {
    await removePack(deps, (req.params as Static<typeof NameParams>).name);
    return reply.code(204).send();
  });

  actionRoutes(app, deps);
}
