// /api/v1/audit: the audit log, newest first, with filters (administrators).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { listAudit, type AuthServices } from '../../auth/index.js';

const Query = Type.Object({
  actor: Type.Optional(Type.String()),
  action: Type.Optional(Type.String({ description: 'e.g. rule.update, key.create, execution.request' })),
  resource_type: Type.Optional(Type.String()),
  resource_ref: Type.Optional(Type.String()),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

export function auditRoutes(app: FastifyInstance, auth: AuthServices): void {
  app.get('/api/v1/audit', { schema: { querystring: Query }, config: { permission: 'audit:list' } }, async (req) => {
    const q = req.query as Static<typeof Query>;
    return auth.store.read((tx) => listAudit(tx, {
      actor: q.actor, action: q.action, resourceType: q.resource_type, resourceRef: q.resource_ref,
      since: q.since ? Date.parse(q.since) : undefined, until: q.until ? Date.parse(q.until) : undefined,
      limit: q.limit, offset: q.offset,
    }));
  });
}
