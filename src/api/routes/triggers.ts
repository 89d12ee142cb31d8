// /api/v1/triggertypes, /api/v1/triggers, /api/v1/triggerinstances (list, get, re_emit, purge).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SquallError } from '../../errors.js';
import { reemitTriggerInstance, type EventDeps, type Trigger, type TriggerInstance, type TriggerType } from '../../events/index.js';
import * as rows from '../../store/events.js';
import type { Store } from '../../store/types.js';
import { parseAge } from '../../executions/retention.js';
import { purgeTriggerInstances } from '../../rules/retention.js';
import { IdParams, PurgeBody } from '../schemas.js';

export interface EventRouteDeps {
  store: Store;
  events: EventDeps;
}

const RefParams = Type.Object({ ref: Type.String({ minLength: 1 }) });
const TypeQuery = Type.Object({ pack: Type.Optional(Type.String()) });
const TriggerQuery = Type.Object({ type: Type.Optional(Type.String()) });
const InstanceQuery = Type.Object({
  trigger: Type.Optional(Type.String()),
  trigger_type: Type.Optional(Type.String()),
  since: Type.Optional(Type.String({ description: 'ISO 8601 time or an age such as 1h, 30m' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

const iso = (ms: number) => new Date(ms).toISOString();

/** A time given as ISO 8601 or as an age back from now ("90s", "30m", "1h", "7d"). */
export function parseSince(text: string, now: number, field = 'since'): number {
  const age = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$/.exec(text);
  if (age) return now - Number(age[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[age[2] as 's'];
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new SquallError('BAD_REQUEST', `${field}: expected an ISO 8601 time or an age such as 1h (got "${text}")`, { field });
  return t;
}

export const triggerTypeToApi = (t: TriggerType) => ({ ...t, id: t.ref, updated_at: iso(t.updated_at) });

/** Trigger parameters as shown: a webhook secret never leaves the server. */
export const triggerToApi = (t: Trigger) => ({
  ...t,
  id: t.ref,
  parameters: 'secret' in t.parameters ? { ...t.parameters, secret: '********' } : t.parameters,
  created_at: iso(t.created_at),
});

export const instanceToApi = (i: TriggerInstance) => ({ ...i, occurrence_time: iso(i.occurrence_time) });

export function triggerRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  app.get('/api/v1/triggertypes', { schema: { querystring: TypeQuery } }, async (req) => {
    const q = req.query as Static<typeof TypeQuery>;
    return (await deps.store.read((tx) => rows.listTriggerTypes(tx, q.pack))).map(triggerTypeToApi);
  });

  app.get('/api/v1/triggertypes/:ref', { schema: { params: RefParams } }, async (req) => {
    const { ref } = req.params as Static<typeof RefParams>;
    const t = await deps.store.read((tx) => rows.getTriggerType(tx, ref));
    if (!t) throw new SquallError('TRIGGER_NOT_FOUND', `no trigger type ${ref}`);
    return triggerTypeToApi(t);
  });

  app.get('/api/v1/triggers', { schema: { querystring: TriggerQuery } }, async (req) => {
    const q = req.query as Static<typeof TriggerQuery>;
    return (await deps.store.read((tx) => rows.listTriggers(tx, q.type))).map(triggerToApi);
  });

  app.get('/api/v1/triggers/:ref', { schema: { params: RefParams } }, async (req) => {
    const { ref } = req.params as Static<typeof RefParams>;
    const t = await deps.store.read((tx) => rows.getTrigger(tx, ref));
    if (!t) throw new SquallError('TRIGGER_NOT_FOUND', `no trigger ${ref}`);
    return triggerToApi(t);
  });

  app.get('/api/v1/triggerinstances', { schema: { querystring: InstanceQuery } }, async (req) => {
    const q = req.query as Static<typeof InstanceQuery>;
    const since = q.since === undefined ? undefined : parseSince(q.since, deps.events.now());
    const list = await deps.store.read((tx) => rows.listInstances(tx, {
      trigger: q.trigger, triggerType: q.trigger_type, since, limit: q.limit, offset: q.offset,
    }));
    return list.map(instanceToApi);
  });

  app.get('/api/v1/triggerinstances/:id', { schema: { params: IdParams } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const i = await deps.store.read((tx) => rows.getInstance(tx, id));
    if (!i) throw new SquallError('TRIGGER_INSTANCE_NOT_FOUND', `no trigger instance with id ${id}`);
    return instanceToApi(i);
  });

  // Instances the rules engine has not decided yet are kept.
  app.post('/api/v1/triggerinstances/purge', { schema: { body: PurgeBody } }, async (req) => {
    const ageMs = parseAge((req.body as Static<typeof PurgeBody>).older_than);
    return { deleted: await purgeTriggerInstances(deps, deps.events.now() - ageMs) };
  });

  app.post('/api/v1/triggerinstances/:id/re_emit', { schema: { params: IdParams } }, async (req, reply) => {
    const { id } = req.params as Static<typeof IdParams>;
    const i = await deps.store.tx((tx) => reemitTriggerInstance(tx, deps.events, id));
    return reply.code(201).send(instanceToApi(i));
  });
}
