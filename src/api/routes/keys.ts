// /api/v1/keys: st2's key-value API. System keys follow the key:* permissions; user-scope
// keys belong to their user (admins may name another user with ?user=). Decrypting a
// system secret needs key:decrypt (admins); a user decrypts their own secrets.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthServices } from '../../auth/index.js';
import type { Permission, Resource } from '../../auth/permissions.js';
import {
  deleteKey, getKey, inEntry, listKeys, parseScope, refOf, rotateKey, setKey, setKeys, type DatastoreDeps, type KvScope, type SetKeyRequest,
} from '../../datastore/index.js';
import { SquallError, hasCode } from '../../errors.js';
import { actorOf } from '../auth.js';

const Scope = Type.Optional(Type.String({ description: 'system (default) or user; st2kv.system / st2kv.user accepted' }));
const Where = Type.Object({
  scope: Scope,
  user: Type.Optional(Type.String({ description: 'user-scope owner (admins only for someone else)' })),
  decrypt: Type.Boolean({ default: false }),
});
const ListQuery = Type.Intersect([Where, Type.Object({
  prefix: Type.Optional(Type.String()),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
})]);
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 1000 }) });
const PutBody = Type.Object({
  name: Type.Optional(Type.String()),
  value: Type.Unknown(),
  scope: Scope,
  user: Type.Optional(Type.String()),
  secret: Type.Optional(Type.Boolean()),
  /** The value is this datastore's ciphertext (from an export): stored as a secret as is. */
  encrypted: Type.Optional(Type.Boolean()),
  ttl: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
}, { additionalProperties: false });

// st2's key load format, one entry of PUT /api/v1/keys: a PutBody that names its key.
const LoadEntry = Type.Object({ ...PutBody.properties, name: Type.String() }, { additionalProperties: false });
const LoadBody = Type.Array(LoadEntry, { maxItems: 10_000 });

export interface KeyRouteDeps {
  datastore: DatastoreDeps;
  auth: AuthServices;
}

function target(req: FastifyRequest, given: { scope?: string; user?: string }): { scope: KvScope; user: string | null } {
  const scope = parseScope(given.scope);
  return { scope, user: scope === 'user' ? given.user ?? req.principal!.username : null };
}

function keyResource(scope: KvScope, user: string | null, name: string): Resource {
  return { type: 'key', ref: refOf(scope, user ?? '', name), ...(scope === 'user' ? { owner: user! } : {}) };
}

async function check(deps: KeyRouteDeps, req: FastifyRequest, permission: Permission, resource: Resource): Promise<void> {
  await deps.auth.authorizer.assert(req.principal!, permission, resource);
}

export function keyRoutes(app: FastifyInstance, deps: KeyRouteDeps): void {
  // Routes check per key (scope and owner come from the query): the route-level check lets
  // every user through to their own keys, and key:list/view/… are asserted below.
  const open = { audit: false } as const;
  const anyUser = (req: FastifyRequest): Resource => ({ type: 'key', owner: req.principal!.username });

  app.get('/api/v1/keys', { schema: { querystring: ListQuery }, config: { ...open, permission: 'key:list', resource: anyUser } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    const t = target(req, q);
    const all = t.scope === 'user' && q.user === '*';
    if (t.scope === 'system' || all) await check(deps, req, all ? 'user:view' : 'key:list', { type: all ? 'user' : 'key' });
    else await check(deps, req, 'key:list', keyResource('user', t.user, ''));
    if (q.decrypt) await check(deps, req, 'key:decrypt', t.scope === 'system' || all ? { type: 'key' } : keyResource('user', t.user, ''));
    return listKeys(deps.datastore, { scope: t.scope, user: all ? null : t.user, prefix: q.prefix, limit: q.limit, offset: q.offset, decrypt: q.decrypt });
  });

  app.get('/api/v1/keys/:name', { schema: { params: NameParams, querystring: Where }, config: { ...open, permission: 'key:view', resource: anyUser } }, async (req) => {
    const { name } = req.params as Static<typeof NameParams>;
    const q = req.query as Static<typeof Where>;
    const t = target(req, q);
    const resource = keyResource(t.scope, t.user, name);
    await check(deps, req, 'key:view', resource);
    if (q.decrypt) await check(deps, req, 'key:decrypt', resource);
    return getKey(deps.datastore, { scope: t.scope, user: t.user, name }, { decrypt: q.decrypt });
  });

  /** The request for one key, once the caller may write it (create or modify) and an exported ciphertext is read. */
  async function writable(req: FastifyRequest, name: string, body: Omit<Static<typeof PutBody>, 'name'>): Promise<SetKeyRequest> {
    const t = target(req, body);
    const exists = await getKey(deps.datastore, { scope: t.scope, user: t.user, name }, { decrypt: false }).then(() => true, (err: unknown) => {
      if (hasCode(err, 'KEY_NOT_FOUND')) return false;
      throw err;
    });
    await check(deps, req, exists ? 'key:modify' : 'key:create', keyResource(t.scope, t.user, name));
    let value = body.value;
    if (body.encrypted) {
      if (typeof value !== 'string') throw new SquallError('BAD_REQUEST', 'an encrypted value must be the ciphertext string from `squall key export`', { field: 'value' });
      try {
        value = deps.datastore.keys.cipher.decrypt(value);
      } catch (err) {
        if (!hasCode(err, 'DATASTORE_KEY_INVALID')) throw err;
        throw new SquallError('BAD_REQUEST', `the encrypted value of key ${name} was not made with this datastore's key; export it with --decrypt from where it came`, { field: 'value' }, { cause: err });
      }
    }
    return { scope: t.scope, user: t.user, name, value, secret: body.secret || body.encrypted, ttl: body.ttl };
  }

  app.put('/api/v1/keys/:name', { schema: { params: NameParams, body: PutBody }, config: { ...open, permission: 'key:create', resource: anyUser } }, async (req) => {
    const { name } = req.params as Static<typeof NameParams>;
    return setKey(deps.datastore, await writable(req, name, req.body as Static<typeof PutBody>), actorOf(req));
  });

  // `squall key load`: every key of the list in one transaction, or none (each entry checked first).
  app.put('/api/v1/keys', { schema: { body: LoadBody }, config: { ...open, permission: 'key:create', resource: anyUser } }, async (req) => {
    const list = req.body as Array<Static<typeof LoadEntry>>;
    const requests: SetKeyRequest[] = [];
    for (const [i, entry] of list.entries()) requests.push(await inEntry(i, () => writable(req, entry.name, entry)));
    return setKeys(deps.datastore, requests, actorOf(req));
  });

  app.delete('/api/v1/keys/:name', { schema: { params: NameParams, querystring: Where }, config: { ...open, permission: 'key:delete', resource: anyUser } }, async (req, reply) => {
    const { name } = req.params as Static<typeof NameParams>;
    const t = target(req, req.query as Static<typeof Where>);
    await check(deps, req, 'key:delete', keyResource(t.scope, t.user, name));
    await deleteKey(deps.datastore, { scope: t.scope, user: t.user, name }, actorOf(req));
    return reply.code(204).send();
  });

  app.post('/api/v1/keys/rotate', { config: { permission: 'datastore:all', audit: false } }, async (req) => rotateKey(deps.datastore, actorOf(req)));
}
