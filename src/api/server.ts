// The Fastify application: /api/v1, one plugin per resource in routes/.
import { Ajv } from 'ajv';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ExecutionDeps } from '../executions/deps.js';
import type { Execution } from '../executions/model.js';
import { lazyValidator } from '../lazy-validator.js';
import { installAuth, type ApiAuth, type KeyVerifier } from './auth.js';
import { installChangeAudit } from './change-audit.js';
import { installErrorHandler } from './errors.js';
import { executionRoutes } from './routes/executions.js';
import { streamRoutes } from './routes/stream.js';
import { collectOpenApi, systemRoutes, type Status } from './routes/system.js';

export interface ApiDeps {
  executions: ExecutionDeps;
  verifyKey: KeyVerifier;
  /** Tokens, RBAC and audit (src/auth); absent, any valid API key may call any route. */
  auth?: ApiAuth;
  /** Copies of the executions with secret parameters replaced by ********. */
  maskSecrets(list: Execution[]): Promise<Execution[]>;
  status(): Promise<Status>;
  log: Logger;
  bodyLimitBytes: number;
}

export type RouteGroup = (app: FastifyInstance, deps: ApiDeps) => void;

/**
 * Request validators compiled on a route's first request instead of all at start (compiling
 * every route's schemas took about a third of the time to ready). Fastify's own options:
 * coerce query and path strings, fill defaults; our schemas are TypeBox's, so they are not
 * checked against the meta-schema. `date-time` is the one format the routes use.
 */
function lazyValidatorCompiler() {
  const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false, validateSchema: false, strict: false });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)) });
  return ({ schema }: { schema: object }) => lazyValidator(ajv, schema);
}

/** Builds the API; `extraRoutes` lets other modules (packs, workflows, …) add their resources. */
export async function buildApi(deps: ApiDeps, extraRoutes: readonly RouteGroup[] = []): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
  });
  app.setValidatorCompiler(lazyValidatorCompiler());
  installErrorHandler(app);
  installAuth(app, deps.verifyKey, deps.auth);
  if (deps.auth) installChangeAudit(app, deps.auth);
  const openapi = collectOpenApi(app);
  systemRoutes(app, deps, openapi);
  executionRoutes(app, deps);
  streamRoutes(app, deps);
  for (const group of extraRoutes) group(app, deps);
  await app.ready();
  return app;
}
