// Authentication and authorization on every route but the health check (and calls without
// credentials to routes that authorize those themselves: webhooks signed with their secret).
//
// Who: an API key (St2-Api-Key, Authorization: Bearer) or a token (X-Auth-Token); the SSE
// stream may pass either in the query (?st2-api-key= / ?x-auth-token=), as st2 allows,
// because EventSource cannot set headers.
//
// What: each route's permission is `config: { permission: 'execution:list' }` (with
// `resource` to check against one resource), or, when it declares none, the line for its
// method and URL in ROUTE_PERMISSIONS below. A route with neither is admin-only, so a new
// route is closed until someone says who may use it.
//
// Audit: changes made through the API are recorded (who, from where, which resource, what
// changed). Routes with `config: { audit: false }` leave it to their domain code, which writes
// the entry in the change's own transaction (keys, users, roles, API keys, rules); the others
// are recorded by change-audit.ts (installed beside this) as the change is answered.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SquallError } from '../errors.js';
import type { Principal } from '../auth/api-keys.js';
import type { Authorizer } from '../auth/rbac.js';
import type { ListScope, Permission, Resource } from '../auth/permissions.js';
import type { Actor } from '../auth/audit.js';
import type { Store } from '../store/types.js';
import type { Execution } from '../executions/model.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /**
     * On list routes that filter (RoutePermission.filtered): what the principal may see, or
     * null for everything (admins, global grants).
     */
    listScope: ListScope | null;
  }
  interface FastifyContextConfig {
    /** Routes that need no credentials (health). */
    public?: boolean;
    /**
     * Routes that also take calls without credentials and authorize those themselves (webhooks
     * signed with their secret); credentials, when sent, are checked as on every route.
     */
    signed?: boolean;
    /** The permission this route needs (checked after the body is parsed). */
    permission?: Permission;
    /** The resource the permission is checked on; absent: the permission's type as a whole. */
    resource?: (req: FastifyRequest) => Promise<Resource> | Resource;
    /** false: the route's domain code writes its own audit entries. */
    audit?: boolean;
  }
}

export type KeyVerifier = (key: string) => Promise<Principal | null>;

export interface ApiAuth {
  verifyToken: KeyVerifier;
  authorizer: Authorizer;
  store: Store;
  now: () => number;
  /** The execution an /executions/:id route names (for its action and owner). */
  getExecution(id: string): Promise<Execution>;
}

function fromQuery(req: FastifyRequest, name: string): string | undefined {
  const q = req.query as Record<string, unknown> | undefined;
  return typeof q?.[name] === 'string' ? (q[name] as string) : undefined;
}

function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers['st2-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return fromQuery(req, 'st2-api-key');
}

function presentedToken(req: FastifyRequest): string | undefined {
  const header = req.headers['x-auth-token'];
  if (typeof header === 'string' && header) return header;
  return fromQuery(req, 'x-auth-token');
}

const packOf = (ref: string) => ref.split('.')[0]!;

/** Who makes a change through the API, for the audit log: the principal and the client address. */
export function actorOf(req: FastifyRequest): Actor {
  return { user: req.principal!.username, address: req.ip };
}

/** The resource of an /executions/:id route: its action (for action/pack grants) and who started it. */
export async function executionResource(auth: ApiAuth, id: string): Promise<Resource> {
  const e = await auth.getExecution(id);
  return { type: 'execution', ref: e.id, action: e.action, pack: packOf(e.action), owner: typeof e.context.user === 'string' ? e.context.user : undefined };
}

interface RoutePermission {
  permission: Permission;
  resource?: (req: FastifyRequest, auth: ApiAuth) => Promise<Resource> | Resource;
  /**
   * A list route that shows each user what their grants cover (req.listScope) and their own:
   * grants on a pack or an action list its executions. Other list routes need the global grant.
   */
  filtered?: true;
}

const params = (req: FastifyRequest) => req.params as Record<string, string>;
const execById = (req: FastifyRequest, auth: ApiAuth) => executionResource(auth, params(req).id!);
const inquiryById = (req: FastifyRequest): Resource => ({ type: 'inquiry', ref: params(req).id! });
const refResource = (type: Resource['type']) => (req: FastifyRequest): Resource => {
  const ref = params(req).ref ?? params(req).name!;
  return { type, ref, pack: type === 'pack' ? ref : packOf(ref) };
};

/** Permissions of routes owned by other modules, one line each: "METHOD url" → permission. */
export const ROUTE_PERMISSIONS: Readonly<Record<string, RoutePermission>> = {
  'GET /api/v1/status': { permission: 'system:view' },
  'GET /api/v1/runners': { permission: 'action:list' },
  // The whole stream needs a global execution:view; ?execution=ID (how `squall run` waits) needs view on that one.
  'GET /api/v1/stream': {
    permission: 'execution:view',
    resource: (req, auth) => {
      const id = fromQuery(req, 'execution');
      return id ? executionResource(auth, id) : { type: 'execution' };
    },
  },
  'GET /api/v1/executions': { permission: 'execution:list', filtered: true },
  'POST /api/v1/executions': {
    permission: 'action:execute',
    resource: (req) => {
      const action = String((req.body as { action?: unknown } | undefined)?.action ?? '');
      return { type: 'action', ref: action, pack: packOf(action) };
    },
  },
  'POST /api/v1/executions/purge': { permission: 'execution:delete' },
  'GET /api/v1/executions/:id': { permission: 'execution:view', resource: execById },
  'GET /api/v1/executions/:id/output': { permission: 'execution:view', resource: execById },
  'DELETE /api/v1/executions/:id': { permission: 'execution:modify', resource: execById },
  'POST /api/v1/executions/:id/cancel': { permission: 'execution:modify', resource: execById },
  // A re-run runs the action again: it needs the right to execute that action, not only to control the execution.
  'POST /api/v1/executions/:id/re_run': {
    permission: 'action:execute',
    resource: async (req, auth) => {
      const e = await executionResource(auth, params(req).id!);
      return { type: 'action', ref: e.action, pack: e.pack };
    },
  },
  'GET /api/v1/packs': { permission: 'pack:list' },
  'GET /api/v1/packs/:name': { permission: 'pack:view', resource: refResource('pack') },
  'POST /api/v1/packs/register': { permission: 'pack:create' },
  'DELETE /api/v1/packs/:name': { permission: 'pack:delete', resource: refResource('pack') },
  'GET /api/v1/actions': { permission: 'action:list' },
  'GET /api/v1/actions/:ref': { permission: 'action:view', resource: refResource('action') },
  'POST /api/v1/actions': { permission: 'action:create' },
  'PUT /api/v1/actions/:ref': { permission: 'action:modify', resource: refResource('action') },
  'DELETE /api/v1/actions/:ref': { permission: 'action:delete', resource: refResource('action') },
  'GET /api/v1/rules': { permission: 'rule:list' },
  'GET /api/v1/rules/:ref': { permission: 'rule:view', resource: refResource('rule') },
  'POST /api/v1/rules': { permission: 'rule:create' },
  'PUT /api/v1/rules/:ref': { permission: 'rule:modify', resource: refResource('rule') },
  'DELETE /api/v1/rules/:ref': { permission: 'rule:delete', resource: refResource('rule') },
  'GET /api/v1/triggertypes': { permission: 'trigger:list' },
  'GET /api/v1/triggers': { permission: 'trigger:list' },
  'GET /api/v1/triggerinstances': { permission: 'trigger:list' },
  'GET /api/v1/sensors': { permission: 'sensor:list' },
  'GET /api/v1/inquiries': { permission: 'inquiry:list' },
  'GET /api/v1/inquiries/:id': { permission: 'inquiry:view', resource: inquiryById },
  'PUT /api/v1/inquiries/:id': { permission: 'inquiry:respond', resource: inquiryById },
  'POST /api/v1/inquiries/:id/respond': { permission: 'inquiry:respond', resource: inquiryById },
  'GET /api/v1/ruleenforcements': { permission: 'rule:list' },
  'GET /api/v1/executions/:id/workflow': { permission: 'execution:view', resource: execById },
  'POST /api/v1/rules/test': { permission: 'rule:view' },
  'POST /api/v1/rules/replay': { permission: 'rule:modify' },
  'POST /api/v1/triggerinstances/:id/re_emit': { permission: 'trigger:execute' },
  'POST /api/v1/triggerinstances/purge': { permission: 'trigger:delete' },
  'POST /api/v1/ruleenforcements/purge': { permission: 'rule:delete' },
  'GET /api/v1/webhooks': { permission: 'webhook:list' },
  // st2's uid of a webhook is webhook:<url>; /webhooks/st2 is the webhook named st2.
  'POST /api/v1/webhooks/st2': { permission: 'webhook:execute', resource: () => ({ type: 'webhook', ref: 'st2' }) },
  'POST /api/v1/packs/:name/install': { permission: 'pack:create', resource: refResource('pack') },
  'PUT /api/v1/sensortypes/:ref': { permission: 'sensor:modify', resource: refResource('sensor') },
};

// /api/v1/<collection>… → resource type, for routes not in the table: GET is list/view,
// anything else needs the type's `all` (operators and admins).
export const COLLECTIONS: Record<string, Resource['type']> = {
  packs: 'pack', actions: 'action', rules: 'rule', executions: 'execution', keys: 'key', webhooks: 'webhook',
  inquiries: 'inquiry', sensors: 'sensor', sensortypes: 'sensor', triggers: 'trigger', triggertypes: 'trigger',
  triggerinstances: 'trigger', ruleenforcements: 'rule', workflows: 'execution', runners: 'action',
};

function routePermission(req: FastifyRequest): RoutePermission | null {
  const url = req.routeOptions.url ?? '';
  const known = ROUTE_PERMISSIONS[`${req.method} ${url}`];
  if (known) return known;
  const m = /^\/api\/v1\/([a-z_]+)(\/.*)?$/.exec(url);
  const type = m ? COLLECTIONS[m[1]!] : undefined;
  if (!type) return null;
  if (req.method === 'GET') return { permission: `${type}:${m![2] ? 'view' : 'list'}` as Permission };
  return { permission: `${type}:all` as Permission };
}

async function principalOf(req: FastifyRequest, verifyKey: KeyVerifier, auth: ApiAuth | undefined): Promise<Principal> {
  const token = auth ? presentedToken(req) : undefined;
  if (token) {
    const p = await auth!.verifyToken(token);
    if (!p) throw new SquallError('UNAUTHORIZED', 'the token is not valid (expired, revoked or unknown); log in again');
    return p;
  }
  const key = presentedKey(req);
  if (!key) throw new SquallError('UNAUTHORIZED', 'authentication required: no API key or token in the request');
  // A token sent as `Authorization: Bearer sqt_…` is still a token.
  if (auth && key.startsWith('sqt_')) {
    const p = await auth.verifyToken(key);
    if (!p) throw new SquallError('UNAUTHORIZED', 'the token is not valid (expired, revoked or unknown); log in again');
    return p;
  }
  const p = await verifyKey(key);
  if (!p) throw new SquallError('UNAUTHORIZED', 'the API key is not valid (expired, disabled or unknown)');
  return p;
}

/**
 * Installs authentication, and, given `auth`, the permission checks.
 * Without `auth` (API-only tests) any valid API key may call any route.
 */
export function installAuth(app: FastifyInstance, verify: KeyVerifier, auth?: ApiAuth): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('listScope', null);
  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    if (config?.public) return;
    if (config?.signed && presentedKey(req) === undefined && (!auth || presentedToken(req) === undefined)) return;
    req.principal = await principalOf(req, verify, auth);
  });
  if (!auth) return;
  app.addHook('preHandler', async (req) => {
    const config = req.routeOptions.config;
    if (config?.public || !req.principal) return;
    const declared: RoutePermission | null = config?.permission
      ? { permission: config.permission, resource: config.resource && ((r) => config.resource!(r)) }
      : routePermission(req);
    if (!declared) {
      if (!(await auth.authorizer.rolesOf(req.principal.username)).includes('admin')) {
        throw new SquallError('FORBIDDEN', `${req.method} ${req.routeOptions.url} is restricted to administrators`);
      }
      return;
    }
    if (declared.filtered) {
      const scope = await auth.authorizer.listScope(req.principal, declared.permission);
      if (scope === null) throw new SquallError('FORBIDDEN', `user ${req.principal.username} lacks permission ${declared.permission}`);
      req.listScope = scope === 'all' ? null : scope;
      return;
    }
    // Global grants answer without loading the resource; only then look at the one named.
    if (await auth.authorizer.authorize(req.principal, declared.permission)) return;
    const resource = declared.resource ? await declared.resource(req, auth) : undefined;
    await auth.authorizer.assert(req.principal, declared.permission, resource);
  });
}
