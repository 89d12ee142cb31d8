// /api/v1/rules: list, get, create, update, delete, enable/disable, and the dry runs
// /api/v1/rules/test (one payload) and /api/v1/rules/replay (stored trigger instances).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SquallError } from '../../errors.js';
import {
  checkRuleSpec, createRule, deleteRule, getRule, listRules, replayRule, ruleForTest, ruleInvalid, setRuleEnabled, testRule, updateRule,
  type Rule, type RuleAdminDeps, type RulesDeps,
} from '../../rules/index.js';
import type { EventsAndRules } from '../../rules/node.js';
import type { RouteGroup } from '../server.js';
import { actorOf } from '../auth.js';
import { ruleEnforcementRoutes } from './rule-enforcements.js';
import { parseSince, triggerRoutes } from './triggers.js';
import { webhookRoutes } from './webhooks.js';

export type RuleRouteDeps = RuleAdminDeps & Pick<RulesDeps, 'kv'>;

const RefParams = Type.Object({ ref: Type.String({ minLength: 1 }) });
const ListQuery = Type.Object({
  pack: Type.Optional(Type.String()),
  trigger_type: Type.Optional(Type.String()),
  enabled: Type.Optional(Type.Boolean()),
});
const RuleBody = Type.Record(Type.String(), Type.Unknown(), { description: 'an st2 rule (name, pack, trigger, criteria, action, …)' });
const TestBody = Type.Object({
  rule: Type.Union([Type.String({ description: 'ref of a stored rule' }), RuleBody]),
  payload: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  trigger_instance_id: Type.Optional(Type.String()),
}, { additionalProperties: false });
const ReplayBody = Type.Object({
  rule: Type.Union([Type.String(), RuleBody]),
  since: Type.String({ description: 'ISO 8601 time or an age such as 1h' }),
  until: Type.Optional(Type.String()),
  limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 }),
}, { additionalProperties: false });

const iso = (ms: number) => new Date(ms).toISOString();
export const ruleToApi = (r: Rule) => ({ ...r, created_at: iso(r.created_at), updated_at: iso(r.updated_at) });

/** A stored rule by ref, or an unsaved rule body checked and made testable. */
async function ruleFrom(deps: RuleRouteDeps, given: string | Record<string, unknown>): Promise<Rule> {
  if (typeof given === 'string') return getRule(deps, given);
  const { spec, problems } = checkRuleSpec(given);
  if (!spec) throw ruleInvalid(problems);
  return deps.store.read((tx) => ruleForTest(tx, spec));
}

export function ruleRoutes(app: FastifyInstance, deps: RuleRouteDeps): void {
  app.get('/api/v1/rules', { schema: { querystring: ListQuery } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    return (await listRules(deps, { pack: q.pack, triggerType: q.trigger_type, enabled: q.enabled })).map(ruleToApi);
  });

  app.get('/api/v1/rules/:ref', { schema: { params: RefParams } }, async (req) => {
    return ruleToApi(await getRule(deps, (req.params as Static<typeof RefParams>).ref));
  });

  // Rule changes are audited by the rules module, in the change's transaction; dry runs
  // (test, replay) change nothing and are not audited.
  const routeAudit = { audit: false } as const;
  app.post('/api/v1/rules', { schema: { body: RuleBody }, config: routeAudit }, async (req, reply) => {
    const rule = await createRule(deps, req.body, actorOf(req));
    return reply.code(201).send(ruleToApi(rule));
  });

  app.put('/api/v1/rules/:ref', { schema: { params: RefParams, body: RuleBody }, config: routeAudit }, async (req) => {
    return ruleToApi(await updateRule(deps, (req.params as Static<typeof RefParams>).ref, req.body, actorOf(req)));
  });

  app.delete('/api/v1/rules/:ref', { schema: { params: RefParams }, config: routeAudit }, async (req, reply) => {
    await deleteRule(deps, (req.params as Static<typeof RefParams>).ref, actorOf(req));
    return reply.code(204).send();
  });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/api/v1/rules/:ref/${verb}`, { schema: { params: RefParams }, config: routeAudit }, async (req) => {
      return ruleToApi(await setRuleEnabled(deps, (req.params as Static<typeof RefParams>).ref, enabled, actorOf(req)));
    });
  }

  app.post('/api/v1/rules/test', { schema: { body: TestBody }, config: routeAudit }, async (req) => {
    const body = req.body as Static<typeof TestBody>;
    if (!body.payload && !body.trigger_instance_id) throw new SquallError('BAD_REQUEST', 'give payload or trigger_instance_id', { field: 'payload' });
    const rule = await ruleFrom(deps, body.rule);
    return testRule({ ...deps, kv: deps.kv }, rule, { payload: body.payload, triggerInstanceId: body.trigger_instance_id });
  });

  app.post('/api/v1/rules/replay', { schema: { body: ReplayBody }, config: routeAudit }, async (req) => {
    const body = req.body as Static<typeof ReplayBody>;
    const now = deps.now();
    const rule = await ruleFrom(deps, body.rule);
    return replayRule(deps, rule, {
      since: parseSince(body.since, now), until: body.until === undefined ? undefined : parseSince(body.until, now, 'until'), limit: body.limit,
    });
  });
}

/** The API groups of the events and rules modules, for buildApi's extraRoutes. */
export function eventsAndRulesRoutes(er: EventsAndRules): RouteGroup[] {
  return [
    (app) => triggerRoutes(app, { store: er.admin.store, events: er.events }),
    (app) => webhookRoutes(app, { store: er.admin.store, events: er.events }),
    (app) => ruleRoutes(app, { ...er.admin, kv: er.rules.kv }),
    (app) => ruleEnforcementRoutes(app, er.admin),
  ];
}
