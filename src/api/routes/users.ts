// /api/v1/users: local users (administrators; anyone may change their own password).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthServices } from '../../auth/index.js';
import { changePassword, createUser, deleteUser, listUsers } from '../../auth/users.js';
import { actorOf } from '../auth.js';

const CreateBody = Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const NameParams = Type.Object({ username: Type.String({ minLength: 1 }) });
const PasswordBody = Type.Object({ password: Type.String({ minLength: 1 }) }, { additionalProperties: false });

export function userRoutes(app: FastifyInstance, auth: AuthServices): void {

  app.get('/api/v1/users', { config: { permission: 'user:list' } }, async () => listUsers(auth.store));

  app.post('/api/v1/users', { schema: { body: CreateBody }, config: { permission: 'user:create', audit: false } }, async (req, reply) => {
    const b = req.body as Static<typeof CreateBody>;
    return reply.code(201).send(await createUser(auth.store, b.username, b.password, actorOf(req), auth.now()));
  });

  app.delete('/api/v1/users/:username', { schema: { params: NameParams }, config: { permission: 'user:delete', audit: false } }, async (req, reply) => {
    await deleteUser(auth.store, (req.params as Static<typeof NameParams>).username, actorOf(req), auth.now());
    return reply.code(204).send();
  });

  app.put('/api/v1/users/:username/password', {
    schema: { params: NameParams, body: PasswordBody },
    config: { permission: 'user:modify', resource: (req) => { const u = (req.params as { username: string }).username; return { type: 'user', ref: u, owner: u }; }, audit: false },
  }, async (req, reply) => {
    const { username } = req.params as Static<typeof NameParams>;
    await changePassword(auth.store, username, (req.body as Static<typeof PasswordBody>).password, actorOf(req), auth.now());
    return reply.code(204).send();
  });
}
