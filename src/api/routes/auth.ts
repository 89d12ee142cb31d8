// /api/v1/auth: tokens (log in with HTTP basic auth, revoke) and who am I.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthServices } from '../../auth/index.js';
import { login, revokeToken } from '../../auth/users.js';
import { SquallError } from '../../errors.js';
import type { DatastoreDeps } from '../../datastore/index.js';
import { apiKeyRoutes } from './apikeys.js';
import { auditRoutes } from './audit.js';
import { configRoutes } from './configs.js';
import { keyRoutes } from './keys.js';
import { rbacRoutes } from './rbac.js';
import { userRoutes } from './users.js';
import { actorOf } from '../auth.js';

const TokenBody = Type.Object({ ttl: Type.Optional(Type.Integer({ minimum: 1, description: 'seconds (at most 30 days)' })) }, { additionalProperties: false });

function basicAuth(req: FastifyRequest): { username: string; password: string } {
  const h = req.headers.authorization;
  if (!h?.startsWith('Basic ')) throw new SquallError('UNAUTHORIZED', 'send the username and password as HTTP basic authentication');
  const text = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) throw new SquallError('UNAUTHORIZED', 'malformed basic authentication header');
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

export function authRoutes(app: FastifyInstance, auth: AuthServices): void {
  app.post('/api/v1/auth/tokens', { schema: { body: TokenBody }, config: { public: true, audit: false } }, async (req, reply) => {
    const creds = basicAuth(req);
    const body = (req.body ?? {}) as Static<typeof TokenBody>;
    const token = await login(auth.store, auth.limiter, { ...creds, ttlSeconds: body.ttl, address: req.ip }, auth.now());
    return reply.code(201).send(token);
  });

  // Revokes the token the request came with, or the one in the body (your own, or any as admin).
  app.delete('/api/v1/auth/tokens', { config: { permission: 'user:view', resource: (req) => ({ type: 'user', owner: req.principal!.username }), audit: false } }, async (req, reply) => {
    // The body is optional here (curl -X DELETE with only the header), so it is read by hand.
    const raw = (req.body ?? {}) as { token?: unknown };
    const given = typeof raw.token === 'string' ? raw.token : undefined;
    const header = req.headers['x-auth-token'];
    const token = given ?? (typeof header === 'string' ? header : undefined);
    if (!token) throw new SquallError('BAD_REQUEST', 'name the token to revoke in the body or send it in X-Auth-Token', { field: 'token' });
    if (given && given !== header) {
      const verified = await auth.verifyToken(given);
      if (verified?.username !== req.principal!.username) await auth.authorizer.assert(req.principal!, 'user:modify', { type: 'user', ref: verified?.username });
    }
    await revokeToken(auth.store, token, actorOf(req), auth.now());
    return reply.code(204).send();
  });

  app.get('/api/v1/auth/me', { config: { permission: 'user:view', resource: (req) => ({ type: 'user', owner: req.principal!.username }) } }, async (req) => ({
    username: req.principal!.username,
    via: req.principal!.via,
    roles: await auth.authorizer.rolesOf(req.principal!.username),
  }));
}

/** Every route of the datastore and auth modules: keys, auth, users, apikeys, rbac, audit, pack configs. */
export function securityRoutes(auth: AuthServices, datastore: DatastoreDeps): (app: FastifyInstance) => void {
  return (app) => {
    // A change to users, keys, tokens or roles holds on this node's very next request.
    app.addHook('onSend', async (req, _reply, payload) => {
      if (req.method !== 'GET' && /^\/api\/v1\/(users|apikeys|rbac|auth)\b/.test(req.routeOptions.url ?? '')) auth.invalidate();
      return payload;
    });
    authRoutes(app, auth);
    keyRoutes(app, { auth, datastore });
    userRoutes(app, auth);
    apiKeyRoutes(app, auth);
    rbacRoutes(app, auth);
    auditRoutes(app, auth);
    configRoutes(app, auth, datastore);
  };
}
