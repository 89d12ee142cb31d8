// POST /api/v1/webhooks/st2 (inject any trigger) and POST /api/v1/webhooks/<url>
// (core.st2.webhook triggers with that url). Both take an API key or a token and need
// webhook:execute (st2's webhook_send) on webhook:<url>, checked where every route's
// permission is (auth.ts); a call to <url> without credentials fires the triggers whose
// secret signed it (HMAC): the secret is the authorization. The trigger instance is committed
// before 202 answers with its id.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Resource } from '../../auth/permissions.js';
import { SquallError } from '../../errors.js';
import { dispatchTriggerInstance, webhookTargets, type ResolvedTrigger, type Trigger } from '../../events/index.js';
import { deliveryId, headersFromRaw, signatureHeader, signatureValid } from '../../events/webhook.js';
import { listTriggers } from '../../store/events.js';
import { triggerToApi, type EventRouteDeps } from './triggers.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body as received, for signature checks (webhook routes only). */
    rawBody?: Buffer;
  }
}

const St2Body = Type.Object({
  trigger: Type.String({ minLength: 1 }),
  payload: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  trace_tag: Type.Optional(Type.String()),
}, { additionalProperties: false });

// Credentials are never stored in a trigger instance, where every rule and reader would see them.
const SECRET_HEADERS = new Set(['st2-api-key', 'authorization', 'x-auth-token', 'cookie']);

function payloadHeaders(req: FastifyRequest): Record<string, string> {
  const all = headersFromRaw(req.raw.rawHeaders);
  return Object.fromEntries(Object.entries(all).filter(([k]) => !SECRET_HEADERS.has(k.toLowerCase())));
}

function formBody(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** The webhook a request names: its url without leading or trailing slashes. */
function webhookUrl(req: FastifyRequest): string {
  return (req.params as { '*': string })['*'].replace(/^\/+|\/+$/g, '');
}

/** The url's triggers a call without credentials may fire: those whose secret signed it. */
function signedTriggers(req: FastifyRequest, triggers: ResolvedTrigger[]): ResolvedTrigger[] {
  const signed = triggers.filter(({ trigger: t }) => {
    const secret = t.parameters.secret;
    const header = req.headers[signatureHeader(t).toLowerCase()];
    return typeof secret === 'string' && signatureValid(secret, req.rawBody ?? Buffer.alloc(0), Array.isArray(header) ? header[0] : header);
  });
  if (signed.length) return signed;
  if (triggers.some(({ trigger: t }) => typeof t.parameters.secret === 'string')) {
    throw new SquallError('SIGNATURE_INVALID', 'the webhook signature is missing or does not match the body (and no API key or token was sent)');
  }
  throw new SquallError('UNAUTHORIZED', 'authentication required: this webhook has no secret, so it needs an API key or a token');
}

export function webhookRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  // Each instance is committed before its 202; requests arriving together share one commit
  // on the embedded store (its group commit).
  void app.register(async (scope) => {
    // Own parsers, keeping the raw bytes for signature checks; any other media type is 415.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(/^application\/([\w.-]+\+)?json/, { parseAs: 'buffer' }, (req, body, done) => {
      req.rawBody = body as Buffer;
      const text = (body as Buffer).toString('utf8');
      if (text.trim() === '') return done(null, {});
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        done(new SquallError('BAD_REQUEST', `the body is not valid JSON: ${(err as Error).message}`, { field: 'body' }), undefined);
      }
    });
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (req, body, done) => {
      req.rawBody = body as Buffer;
      done(null, formBody((body as Buffer).toString('utf8')));
    });

    scope.get('/api/v1/webhooks', async () => {
      return (await deps.store.read((tx) => listTriggers(tx, 'core.st2.webhook'))).map(triggerToApi);
    });

    // The trigger instance is the record of a webhook call: no separate audit entry per event.
    scope.post('/api/v1/webhooks/st2', { schema: { body: St2Body }, config: { audit: false } }, async (req, reply) => {
      const body = req.body as Static<typeof St2Body>;
      const delivery = deliveryId({ parameters: {} } as Trigger, payloadHeaders(req), body.payload);
      const { instance, duplicate } = await deps.store.tx((tx) => dispatchTriggerInstance(tx, deps.events, {
        trigger: body.trigger, payload: body.payload, traceTag: body.trace_tag ?? null, deliveryId: delivery,
      }));
      return reply.code(202).send({ id: instance.id, trigger: instance.trigger, payload: instance.payload, duplicate });
    });

    const resource = (req: FastifyRequest): Resource => ({ type: 'webhook', ref: webhookUrl(req) });
    scope.post('/api/v1/webhooks/*', { config: { signed: true, audit: false, permission: 'webhook:execute', resource } }, async (req, reply) => {
      const url = webhookUrl(req);
      const triggers = await deps.store.read((tx) => webhookTargets(tx, deps.events, url));
      if (triggers.length === 0) throw new SquallError('WEBHOOK_NOT_FOUND', `no webhook ${url}: no rule listens on core.st2.webhook with url ${url}`);
      // With credentials the permission was checked before this handler: every trigger of the url fires.
      const targets = req.principal ? triggers : signedTriggers(req, triggers);
      const headers = payloadHeaders(req);
      const body = req.body ?? {};
      const payload = { url, headers, body };
      const results = await deps.store.tx(async (tx) => {
        const out = [];
        for (const t of targets) {
          const ref = t.trigger.ref;
          const d = await dispatchTriggerInstance(tx, deps.events, { trigger: ref, resolved: t, payload, deliveryId: deliveryId(t.trigger, headers, payload) });
          out.push({ id: d.instance.id, trigger: ref, duplicate: d.duplicate });
        }
        return out;
      });
      return reply.code(202).send({ id: results[0]!.id, duplicate: results.every((r) => r.duplicate), trigger_instances: results });
    });
  });
}
