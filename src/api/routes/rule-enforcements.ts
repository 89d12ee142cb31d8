// /api/v1/ruleenforcements: every decision the rules engine made (list, get, purge).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { getEnforcement, listEnforcements, type RuleEnforcement, type RuleAdminDeps } from '../../rules/index.js';
import { parseAge } from '../../executions/retention.js';
import { purgeRuleEnforcements } from '../../rules/index.js';
import { IdParams, PurgeBody } from '../schemas.js';
import { parseSince } from './triggers.js';

const ListQuery = Type.Object({
  rule: Type.Optional(Type.String()),
  trigger_instance: Type.Optional(Type.String()),
  execution: Type.Optional(Type.String()),
  status: Type.Optional(Type.Union(['succeeded', 'failed', 'no_match', 'suppressed'].map((s) => Type.Literal(s)))),
  since: Type.Optional(Type.String()),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

export const enforcementToApi = (e: RuleEnforcement) => ({ ...e, enforced_at: new Date(e.enforced_at).toISOString() });

export function ruleEnforcementRoutes(app: FastifyInstance, deps: Pick<RuleAdminDeps, 'store' | 'now'>): void {
  app.get('/api/v1/ruleenforcements', { schema: { querystring: ListQuery } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    const list = await listEnforcements(deps, {
      rule: q.rule, triggerInstance: q.trigger_instance, execution: q.execution, status: q.status as RuleEnforcement['status'] | undefined,
      since: q.since === undefined ? undefined : parseSince(q.since, deps.now()), limit: q.limit, offset: q.offset,
    });
    return list.map(enforcementToApi);
  });

  app.post('/api/v1/ruleenforcements/purge', { schema: { body: PurgeBody } }, async (req) => {
    const ageMs = parseAge((req.body as Static<typeof PurgeBody>).older_than);
    return { deleted: await purgeRuleEnforcements(deps, deps.now() - ageMs) };
  });

  app.get('/api/v1/ruleenforcements/:id', { schema: { params: IdParams } }, async (req) => {
    return enforcementToApi(await getEnforcement(deps, (req.params as Static<typeof IdParams>).id));
  });
}
