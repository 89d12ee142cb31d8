// /api/v1/apikeys: create (the key is in this answer only), list, enable/disable, delete.
// Users manage their own keys; administrators anyone's (?user=NAME, or ?user=* for all).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthServices } from '../../auth/index.js';
import { createApiKey, deleteApiKey, getApiKey, listApiKeys, setApiKeyEnabled } from '../../auth/api-keys.js';
import type { Resource } from '../../auth/permissions.js';
import { actorOf } from '../auth.js';

const CreateBody = Type.Object({
  user: Type.Optional(Type.String({ minLength: 1 })),
  ttl: Type.Optional(Type.Integer({ minimum: 1, description: 'seconds until the key expires' })),
  description: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });
const ListQuery = Type.Object({ user: Type.Optional(Type.String()) });
const PutBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });

export function apiKeyRoutes(app: FastifyInstance, auth: AuthServices): void {
  const own = (req: FastifyRequest): Resource => ({ type: 'api_key', owner: req.principal!.username });
  const byId = async (req: FastifyRequest): Promise<Resource> => {
    const key = await getApiKey(auth.store, (req.params as { id: string }).id);
    return { type: 'api_key', ref: key.id, owner: key.user };
  };

  app.get('/api/v1/apikeys', { schema: { querystring: ListQuery }, config: { permission: 'api_key:list', resource: own } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    const user = q.user ?? req.principal!.username;
    if (user !== req.principal!.username) await auth.authorizer.assert(req.principal!, 'api_key:list');
    return listApiKeys(auth.store, user === '*' ? null : user);
  });

  app.post('/api/v1/apikeys', { schema: { body: CreateBody }, config: { permission: 'api_key:create', resource: own, audit: false } }, async (req, reply) => {
    const b = (req.body ?? {}) as Static<typeof CreateBody>;
    const user = b.user ?? req.principal!.username;
    if (user !== req.principal!.username) await auth.authorizer.assert(req.principal!, 'api_key:create');
    const { id, key } = await createApiKey(auth.store, user, auth.now(), { ttlSeconds: b.ttl, description: b.description, actor: actorOf(req) });
    return reply.code(201).send({ ...(await getApiKey(auth.store, id)), key });
  });

  app.get('/api/v1/apikeys/:id', { schema: { params: IdParams }, config: { permission: 'api_key:view', resource: byId } }, async (req) => getApiKey(auth.store, (req.params as Static<typeof IdParams>).id));

  app.put('/api/v1/apikeys/:id', { schema: { params: IdParams, body: PutBody }, config: { permission: 'api_key:modify', resource: byId, audit: false } }, async (req) => {
    return setApiKeyEnabled(auth.store, (req.params as Static<typeof IdParams>).id, (req.body as Static<typeof PutBody>).enabled, actorOf(req), auth.now());
  });

  app.delete('/api/v1/apikeys/:id', { schema: { params: IdParams }, config: { permission: 'api_key:delete', resource: byId, audit: false } }, async (req, reply) => {
    await deleteApiKey(auth.store, (req.params as Static<typeof IdParams>).id, actorOf(req), auth.now());
    return reply.code(204).send();
  });
}
