// /api/v1/inquiries (st2's paths): the pending inquiries, one inquiry, and the response to one
// (PUT with st2's body {id?, response}; POST …/respond for clients that prefer a verb).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { InquiryService } from '../../inquiries/service.js';
import type { ApiDeps, RouteGroup } from '../server.js';
import { IdParams } from '../schemas.js';

const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

const RespondBody = Type.Object({
  id: Type.Optional(Type.String()),
  response: Type.Record(Type.String(), Type.Unknown(), { description: 'the answer, checked against the inquiry schema' }),
}, { additionalProperties: false });

export function inquiryRoutes(inquiries: InquiryService): RouteGroup {
  return (app: FastifyInstance, deps: ApiDeps) => {
    app.get('/api/v1/inquiries', { schema: { querystring: ListQuery } }, async (req) => {
      const q = req.query as Static<typeof ListQuery>;
      return inquiries.list(q.limit, q.offset);
    });

    app.get('/api/v1/inquiries/:id', { schema: { params: IdParams } }, async (req) => inquiries.get((req.params as Static<typeof IdParams>).id));

    const respond = async (req: FastifyRequest) => {
      const username = req.principal?.username ?? '';
      // `roles` of an inquiry name RBAC roles; without RBAC (API-only tests) nobody holds one.
      const roles = deps.auth && username ? await deps.auth.authorizer.rolesOf(username) : [];
      const body = req.body as Static<typeof RespondBody>;
      return inquiries.respond((req.params as Static<typeof IdParams>).id, body.response, { username, roles });
    };
    app.put('/api/v1/inquiries/:id', { schema: { params: IdParams, body: RespondBody } }, respond);
    app.post('/api/v1/inquiries/:id/respond', { schema: { params: IdParams, body: RespondBody } }, respond);
  };
}
