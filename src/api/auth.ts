// Authentication on every route but the health check (and routes that declare their own).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SquallError } from '../errors.js';
import type { Principal } from '../auth/api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Routes that authenticate by other means (health, signed webhooks). */
    public?: boolean;
  }
}

export type KeyVerifier = (key: string) => Promise<Principal | null>;

function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers['st2-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  // EventSource cannot set headers: st2 accepts ?st2-api-key= on the stream, and so do we.
  const q = req.query as Record<string, unknown> | undefined;
  return typeof q?.['st2-api-key'] === 'string' ? (q['st2-api-key'] as string) : undefined;
}

export function installAuth(app: FastifyInstance, verify: KeyVerifier): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.public) return;
    const key = presentedKey(req);
    if (!key) throw new SquallError('UNAUTHORIZED', 'authentication required: no API key or token in the request');
    const principal = await verify(key);
    if (!principal) throw new SquallError('UNAUTHORIZED', 'the API key or token is not valid');
    req.principal = principal;
  });
}
