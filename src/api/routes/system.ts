// Health (public), status, and the OpenAPI document built from the routes' own schemas.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { VERSION } from '../../version.js';
import type { ApiDeps } from '../server.js';

const QueueDepthOut = Type.Object({
  ready: Type.Integer({ description: 'claimable now' }),
  delayed: Type.Integer({ description: 'waiting for their run_at (retry and policy delays, timeouts, inquiry TTLs)' }),
  leased: Type.Integer({ description: 'claimed by a node, in progress' }),
});

export const StatusOut = Type.Object({
  version: Type.String(),
  node: Type.String(),
  roles: Type.Array(Type.String()),
  store: Type.String(),
  uptime_seconds: Type.Integer(),
  queues: Type.Record(Type.String(), QueueDepthOut, { description: 'every queue of the work queue, by job state' }),
});
export type Status = Static<typeof StatusOut>;

export function collectOpenApi(app: FastifyInstance): () => Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/v1') || route.method === 'HEAD') return;
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    for (const method of [route.method].flat()) {
      (paths[path] ??= {})[method.toLowerCase()] = {
        parameters: [
          ...Object.keys((schema.params as { properties?: object })?.properties ?? {}).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
          ...Object.entries((schema.querystring as { properties?: Record<string, unknown> })?.properties ?? {}).map(([name, s]) => ({ name, in: 'query', schema: s })),
        ],
        ...(schema.body ? { requestBody: { content: { 'application/json': { schema: schema.body } } } } : {}),
        responses: Object.fromEntries(Object.entries((schema.response as Record<string, unknown>) ?? { 200: {} }).map(([code, s]) => [code, { description: code, content: { 'application/json': { schema: s } } }])),
      };
    }
  });
  return () => ({
    openapi: '3.0.3',
    info: { title: 'Squall API', version: VERSION },
    components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'St2-Api-Key' } } },
    security: [{ apiKey: [] }],
    paths,
  });
}

export function systemRoutes(app: FastifyInstance, deps: ApiDeps, openapi: () => Record<string, unknown>): void {
  app.get('/api/v1/health', { config: { public: true } }, async () => ({ status: 'ok', version: VERSION }));
  app.get('/api/v1/status', { schema: { response: { 200: StatusOut } } }, async () => deps.status());
  app.get('/api/v1/openapi.json', { config: { public: true } }, async () => openapi());
}
