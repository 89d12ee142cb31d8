// /api/v1/actions: list, get, create, update, delete. Bodies are st2 action metadata,
// checked by the packs module exactly as actions/*.yaml are (422 PACK_INVALID per field).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createAction, deleteAction, getAction, listActions, updateAction, type Action, type PackDeps } from '../../packs/index.js';
import { Ref } from '../schemas.js';

export const ActionOut = Type.Object({
  ref: Type.String(),
  pack: Type.String(),
  name: Type.String(),
  runner_type: Type.String(),
  entry_point: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  parameters: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  updated_at: Type.String({ format: 'date-time' }),
});

const RefParams = Type.Object({ ref: Ref });

const ListQuery = Type.Object({
  pack: Type.Optional(Type.String({ pattern: '^[a-z0-9_]+$' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

// Checked in full by the packs module (the same checks as action YAML, every problem at once).
const ActionBody = Type.Object({}, { additionalProperties: true, description: 'st2 action metadata: name, pack, runner_type, entry_point, parameters, …' });

/** The API's view of an action: ISO timestamp. */
export function actionToApi(a: Action) {
  return { ...a, updated_at: new Date(a.updated_at).toISOString() };
}

export function actionRoutes(app: FastifyInstance, deps: PackDeps): void {
  app.get('/api/v1/actions', { schema: { querystring: ListQuery, response: { 200: Type.Array(ActionOut) } } }, async (req, reply) => {
    const q = req.query as Static<typeof ListQuery>;
    const { actions, total } = await listActions(deps, q);
    // st2 reports the size of the whole collection in X-Total-Count.
    reply.header('X-Total-Count', String(total));
    return actions.map(actionToApi);
  });

  app.get('/api/v1/actions/:ref', { schema: { params: RefParams, response: { 200: ActionOut } } }, async (req) => {
    return actionToApi(await getAction(deps, (req.params as Static<typeof RefParams>).ref));
  });

  app.post('/api/v1/actions', { schema: { body: ActionBody, response: { 201: ActionOut } } }, async (req, reply) => {
    return reply.code(201).send(actionToApi(await createAction(deps, req.body)));
  });

  app.put('/api/v1/actions/:ref', { schema: { params: RefParams, body: ActionBody, response: { 200: ActionOut } } }, async (req) => {
    return actionToApi(await updateAction(deps, (req.params as Static<typeof RefParams>).ref, req.body));
  });

  app.delete('/api/v1/actions/:ref', { schema: { params: RefParams } }, async (req, reply) => {
    await deleteAction(deps, (req.params as Static<typeof RefParams>).ref);
    return reply.code(204).send();
  });
}
