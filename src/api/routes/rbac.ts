// /api/v1/rbac: roles, assignments, and reloading $SQUALL_HOME/rbac (administrators).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthServices } from '../../auth/index.js';
import { assignRole, deleteRole, getRole, listAssignments, listRoles, normaliseRole, putRole, unassignRole } from '../../auth/rbac.js';
import { loadRbacFiles } from '../../auth/rbac-files.js';
import { actorOf } from '../auth.js';

const NameParams = Type.Object({ name: Type.String({ minLength: 1 }) });
const RoleBody = Type.Object({
  description: Type.Optional(Type.String()),
  permission_grants: Type.Array(Type.Object({
    resource_uid: Type.Optional(Type.String()),
    permission_types: Type.Array(Type.String(), { minItems: 1 }),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
const AssignBody = Type.Object({ user: Type.String({ minLength: 1 }), role: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const AssignParams = Type.Object({ user: Type.String(), role: Type.String() });
const AssignQuery = Type.Object({ user: Type.Optional(Type.String()) });

export function rbacRoutes(app: FastifyInstance, auth: AuthServices): void {

  app.get('/api/v1/rbac/roles', { config: { permission: 'role:list' } }, async () => listRoles(auth.store));
  app.get('/api/v1/rbac/roles/:name', { schema: { params: NameParams }, config: { permission: 'role:view' } }, async (req) => getRole(auth.store, (req.params as Static<typeof NameParams>).name));

  app.put('/api/v1/rbac/roles/:name', { schema: { params: NameParams, body: RoleBody }, config: { permission: 'role:modify', audit: false } }, async (req) => {
    const role = normaliseRole({ name: (req.params as Static<typeof NameParams>).name, ...(req.body as Static<typeof RoleBody>) }, 'api');
    return putRole(auth.store, role, actorOf(req), auth.now());
  });

  app.delete('/api/v1/rbac/roles/:name', { schema: { params: NameParams }, config: { permission: 'role:delete', audit: false } }, async (req, reply) => {
    await deleteRole(auth.store, (req.params as Static<typeof NameParams>).name, actorOf(req), auth.now());
    return reply.code(204).send();
  });

  app.get('/api/v1/rbac/assignments', { schema: { querystring: AssignQuery }, config: { permission: 'role:list' } }, async (req) => listAssignments(auth.store, (req.query as Static<typeof AssignQuery>).user));

  app.post('/api/v1/rbac/assignments', { schema: { body: AssignBody }, config: { permission: 'role:modify', audit: false } }, async (req, reply) => {
    const b = req.body as Static<typeof AssignBody>;
    await assignRole(auth.store, b.user, b.role, actorOf(req), auth.now());
    return reply.code(201).send({ user: b.user, role: b.role, source: 'api' });
  });

  app.delete('/api/v1/rbac/assignments/:user/:role', { schema: { params: AssignParams }, config: { permission: 'role:modify', audit: false } }, async (req, reply) => {
    const p = req.params as Static<typeof AssignParams>;
    await unassignRole(auth.store, p.user, p.role, actorOf(req), auth.now());
    return reply.code(204).send();
  });

  app.post('/api/v1/rbac/reload', { config: { permission: 'role:modify', audit: false } }, async (req) => {
    const files = await loadRbacFiles(auth.store, auth.home, actorOf(req), auth.now());
    return { roles: files.roles.map((r) => r.name), assignments: files.assignments.length };
  });
}
