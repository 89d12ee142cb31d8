// The audit of the API changes whose module does not audit them itself (routes without
// `config: { audit: false }`): one entry per successful POST/PUT/PATCH/DELETE, written after
// the change committed and before the answer goes out.
//
// A change that failed (answered 400 or more) leaves no entry. A change answered with success
// always has its entry: when writing it fails, the answer becomes AUDIT_UNAVAILABLE (the change
// stands; the server log holds the entry), so no client takes an unaudited change for a clean
// success. The entry is not in the change's transaction, so a crash between the two loses it:
// the changes that must never lose theirs (keys, users, roles, API keys, rules) are audited by
// their modules inside the change's transaction.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit, type AuditEntry } from '../auth/audit.js';
import { SquallError } from '../errors.js';
import { actorOf, COLLECTIONS, type ApiAuth } from './auth.js';
import { faultOf } from './errors.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

// The resource as the audit log names it everywhere: its ref (pack.name) when it has one, else
// its id or name, from the URL or else from the answer.
function auditedRef(req: FastifyRequest, payload: unknown): string {
  const p = req.params as Record<string, string>;
  const fromParams = p.ref ?? p.id ?? p.name;
  if (fromParams) return fromParams;
  if (typeof payload === 'string' && payload.startsWith('{')) {
    try {
      const body = JSON.parse(payload) as Record<string, unknown>;
      const pick = body.ref ?? body.id ?? body.name ?? (isObject(body.pack) ? body.pack.name : undefined);
      if (typeof pick === 'string') return pick;
    } catch {
      // Not JSON after all: the route has no resource name to record.
    }
  }
  return '';
}

/** The names (never the values) of what the request set: its body's top-level fields. */
const fieldsOf = (body: unknown): string[] => (isObject(body) ? Object.keys(body).sort() : []);

function entryFor(req: FastifyRequest, status: number, payload: unknown, ts: number): AuditEntry {
  const url = req.routeOptions.url ?? req.url;
  const collection = /^\/api\/v1\/([a-z_]+)/.exec(url)?.[1] ?? 'api';
  const type = COLLECTIONS[collection] ?? collection;
  const tail = url.replace(/^\/api\/v1\/[a-z_]+/, '').replace(/\/:[a-z_]+/g, '').replace(/^\//, '');
  const verb = tail || { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' }[req.method]!;
  const action = type === 'execution' && req.method === 'POST' && !tail ? 'execution.request' : `${type}.${verb}`;
  const body = req.body as Record<string, unknown> | undefined;
  const run = action === 'execution.request' ? { action: body?.action, parameters: fieldsOf(body?.parameters) } : {};
  return {
    actor: actorOf(req), ts, action, resourceType: type, resourceRef: auditedRef(req, payload),
    details: { method: req.method, route: url, status, fields: fieldsOf(body), ...run },
  };
}

export function installChangeAudit(app: FastifyInstance, auth: ApiAuth): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (!MUTATING.has(req.method) || reply.statusCode >= 400 || req.routeOptions.config?.audit === false || !req.principal) return payload;
    const entry = entryFor(req, reply.statusCode, payload, auth.now());
    try {
      await auth.store.tx((tx) => audit(tx, entry));
      return payload;
    } catch (err) {
      req.log.error({ err, audit: entry }, 'a change was made but its audit entry was not written');
      const fault = new SquallError('AUDIT_UNAVAILABLE', `${req.method} ${req.url.split('?')[0]} was made, but its audit entry could not be written: ${(err as Error).message}`);
      reply.code(fault.status).type('application/json; charset=utf-8');
      return JSON.stringify(faultOf(fault));
    }
  });
}
