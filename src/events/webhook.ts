// Webhook requests turned into core.st2.webhook trigger instances: signature check,
// delivery id, payload. The HTTP part lives in src/api/routes/webhooks.ts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Trigger } from './model.js';
import { lookup, parseKey } from '../rules/payload-path.js';

/** The header GitHub signs with; a trigger may name another with `signature_header`. */
export const DEFAULT_SIGNATURE_HEADER = 'X-Hub-Signature-256';

/** Headers whose value identifies one delivery, in the order they are looked at. */
export const DELIVERY_ID_HEADERS = ['idempotency-key', 'x-github-delivery', 'x-delivery-id', 'x-request-id'] as const;

/**
 * Whether `signature` ("sha256=<hex>", or the bare hex) is the HMAC-SHA256 of the raw
 * body under `secret`. Compared in constant time.
 */
export function signatureValid(secret: string, rawBody: string | Buffer, signature: string | undefined): boolean {
  if (!signature) return false;
  const given = signature.trim().replace(/^sha256=/i, '');
  if (!/^[0-9a-f]{64}$/i.test(given)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

/** The signature header a trigger expects. */
export function signatureHeader(trigger: Trigger): string {
  return typeof trigger.parameters.signature_header === 'string' ? trigger.parameters.signature_header : DEFAULT_SIGNATURE_HEADER;
}

/**
 * The delivery id of a request: the trigger's `delivery_id_field` (a path into the
 * payload such as body.event_id) when set and present, else the first delivery header.
 */
export function deliveryId(trigger: Trigger, headers: Record<string, string>, payload: Record<string, unknown>): string | null {
  const field = trigger.parameters.delivery_id_field;
  if (typeof field === 'string') {
    const parsed = parseKey(field);
    const v = parsed ? lookup(payload, [parsed.root, ...parsed.path]) : undefined;
    if (v !== undefined && v !== null && v !== '') return typeof v === 'string' ? v : JSON.stringify(v);
  }
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  for (const h of DELIVERY_ID_HEADERS) if (lower[h]) return lower[h]!;
  return null;
}

/** Request headers with their original case (st2 rules read trigger.headers['X-GitHub-Event']). */
export function headersFromRaw(rawHeaders: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    out[name] = name in out ? `${out[name]}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1]!;
  }
  return out;
}
