// Webhooks on both backends: API key or HMAC signature, JSON and form bodies, headers in
// the payload, 413/400/415 for bad bodies (nothing stored), and effectively-once delivery.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { describeServer, startTestServer, until } from './helpers/server.js';

type Json = any;
const SECRET = 's3cret-value';
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describeServer('webhooks API', (server) => {
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => server().call(method, path, body, headers);
  const raw = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${server().url}/api/v1${path}`, { method: 'POST', body, headers });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const instances = async (url: string) => ((await call('GET', '/triggerinstances?trigger_type=core.st2.webhook&limit=1000')).body as Json[])
    .filter((i) => i.payload.url === url);
  const rule = (name: string, parameters: Json) => call('POST', '/rules', {
    name, trigger: { type: 'core.st2.webhook', parameters },
    action: { ref: 'core.echo', parameters: { message: 'got {{ trigger.body.n }}' } },
  });

  it('accepts an HMAC-signed request without an API key, refuses a bad signature and stores nothing', async () => {
    expect((await rule('signed', { url: 'github/push', secret: SECRET })).status).toBe(201);
    const body = JSON.stringify({ n: 1, ref: 'refs/heads/main' });
    const ok = await raw('/webhooks/github/push', body, { 'content-type': 'application/json', 'X-Hub-Signature-256': sign(body), 'X-GitHub-Event': 'push' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(202);
    expect(ok.body.id).toMatch(/^[0-9a-f]{24}$/);
    // Committed before 202: readable at once.
    const stored = (await call('GET', `/triggerinstances/${ok.body.id}`)).body;
    expect(stored.payload.headers['X-GitHub-Event']).toBe('push');
    expect(stored.payload.body).toEqual({ n: 1, ref: 'refs/heads/main' });
    const badSignatures: Array<Record<string, string>> = [{ 'X-Hub-Signature-256': sign(body, 'wrong') }, { 'X-Hub-Signature-256': 'sha256=zz' }, {}];
    for (const headers of badSignatures) {
      const bad = await raw('/webhooks/github/push', body, { 'content-type': 'application/json', ...headers });
      expect(bad.status).toBe(401);
      expect(bad.body.code).toBe('SIGNATURE_INVALID');
    }
    const tampered = await raw('/webhooks/github/push', body.replace('1', '2'), { 'content-type': 'application/json', 'X-Hub-Signature-256': sign(body) });
    expect(tampered.body.code).toBe('SIGNATURE_INVALID');
    expect((await instances('github/push')).length).toBe(1);
    // The secret is never shown.
    const listed = (await call('GET', '/webhooks')).body.find((t: Json) => t.parameters.url === 'github/push');
    expect(listed.parameters.secret).toBe('********');
  });

  it('needs an API key on a webhook without a secret, and keeps credentials out of the payload', async () => {
    expect((await rule('open', { url: 'plain' })).status).toBe(201);
    const anon = await raw('/webhooks/plain', '{"n":1}', { 'content-type': 'application/json' });
    expect(anon.status).toBe(401);
    expect(anon.body.code).toBe('UNAUTHORIZED');
    expect((await raw('/webhooks/plain', '{"n":1}', { 'content-type': 'application/json', 'St2-Api-Key': 'nope' })).status).toBe(401);
    const ok = await call('POST', '/webhooks/plain', { n: 2 }, { 'X-Custom': 'yes' });
    expect(ok.status).toBe(202);
    const inst = (await call('GET', `/triggerinstances/${ok.body.id}`)).body;
    expect(inst.payload.headers['X-Custom']).toBe('yes');
    expect(Object.keys(inst.payload.headers).map((h) => h.toLowerCase())).not.toContain('st2-api-key');
    expect((await call('POST', '/webhooks/nowhere', { n: 1 })).body.code).toBe('WEBHOOK_NOT_FOUND');
  });

  it('parses form bodies; refuses non-JSON (400), other media types (415) and oversized bodies (413), storing nothing', async () => {
    expect((await rule('form', { url: 'form' })).status).toBe(201);
    const key = { 'St2-Api-Key': server().apiKey };
    const form = await raw('/webhooks/form', 'n=7&tag=a&tag=b', { ...key, 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(202);
    expect((await call('GET', `/triggerinstances/${form.body.id}`)).body.payload.body).toEqual({ n: '7', tag: ['a', 'b'] });
    const notJson = await raw('/webhooks/form', '{"n": ', { ...key, 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.faultstring).toMatch(/not valid JSON/);
    expect((await raw('/webhooks/form', 'hello', { ...key, 'content-type': 'text/plain' })).status).toBe(415);
    const big = await raw('/webhooks/form', JSON.stringify({ blob: 'x'.repeat(64 * 1024) }), { ...key, 'content-type': 'application/json' });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await instances('form')).length).toBe(1);
  });

  it('is effectively once: a redelivery answers with the first instance and fires nothing again', async () => {
    expect((await rule('once', { url: 'once', delivery_id_field: 'body.event_id' })).status).toBe(201);
    const first = await call('POST', '/webhooks/once', { n: 1 }, { 'Idempotency-Key': 'k-1' });
    const again = await call('POST', '/webhooks/once', { n: 1 }, { 'Idempotency-Key': 'k-1' });
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    const gh1 = await call('POST', '/webhooks/once', { n: 2 }, { 'X-GitHub-Delivery': 'd-9' });
    const gh2 = await call('POST', '/webhooks/once', { n: 2 }, { 'X-GitHub-Delivery': 'd-9' });
    expect(gh2.body.id).toBe(gh1.body.id);
    const f1 = await call('POST', '/webhooks/once', { n: 3, event_id: 'e-5' });
    const f2 = await call('POST', '/webhooks/once', { n: 3, event_id: 'e-5' }, { 'Idempotency-Key': 'other' });
    expect(f2.body.id).toBe(f1.body.id);
    const fresh = await call('POST', '/webhooks/once', { n: 4 }, { 'Idempotency-Key': 'k-2' });
    expect(fresh.body.duplicate).toBe(false);
    // Concurrent redeliveries also collapse to one.
    const burst = await Promise.all([1, 2, 3, 4, 5].map(() => call('POST', '/webhooks/once', { n: 5 }, { 'Idempotency-Key': 'k-burst' })));
    expect(new Set(burst.map((b) => b.body.id)).size).toBe(1);
    expect((await instances('once')).length).toBe(5);
    const enf = await until(async () => {
      const list = (await call('GET', '/ruleenforcements?rule=default.once')).body as Json[];
      return list.length >= 5 && list;
    }, 15_000, 'enforcements of default.once');
    expect(enf.filter((e: Json) => e.status === 'succeeded').length).toBe(5);
  });

  it('POST /webhooks/st2 injects any trigger, with st2\'s body, deduped by Idempotency-Key', async () => {
    const r = await call('POST', '/webhooks/st2', { trigger: 'core.st2.key_value_pair.create', payload: { object: { name: 'x' } }, trace_tag: 'tt' });
    expect(r.status).toBe(202);
    expect((await call('GET', `/triggerinstances/${r.body.id}`)).body).toMatchObject({ trigger: 'core.st2.key_value_pair.create', trace_tag: 'tt' });
    expect((await call('POST', '/webhooks/st2', { trigger: 'nope.nothing', payload: {} })).body.code).toBe('TRIGGER_NOT_FOUND');
    expect((await call('POST', '/webhooks/st2', { trigger: 'core.st2.key_value_pair.create', payload: { object: 'not an object' } })).body.code).toBe('TRIGGER_PAYLOAD_INVALID');
    const a = await call('POST', '/webhooks/st2', { trigger: 'core.st2.key_value_pair.create', payload: { object: {} } }, { 'Idempotency-Key': 'st2-1' });
    const b = await call('POST', '/webhooks/st2', { trigger: 'core.st2.key_value_pair.create', payload: { object: {} } }, { 'Idempotency-Key': 'st2-1' });
    expect(b.body).toMatchObject({ id: a.body.id, duplicate: true });
    expect((await call('POST', '/webhooks/st2', { payload: {} })).status).toBe(400);
  });
}, { bodyLimitMb: 0.05 });

describe('dedupe window setting', () => {
  it('remembers a delivery id for dedupeWindowSeconds, then takes the same id as a new event', async () => {
    expect(() => loadConfig({}, { SQUALL_HOME: '/nonexistent-squall-home', SQUALL_DEDUPE_WINDOW_SECONDS: '0' })).toThrow(/dedupeWindowSeconds/);
    expect(loadConfig({}, { SQUALL_HOME: '/nonexistent-squall-home', SQUALL_DEDUPE_WINDOW_SECONDS: '60', SQUALL_RULES_CONCURRENCY: '4', SQUALL_EVENT_RETENTION_DAYS: '7' }))
      .toMatchObject({ dedupeWindowSeconds: 60, rulesConcurrency: 4, eventRetentionDays: 7 });
    const s = await startTestServer('sqlite', { dedupeWindowSeconds: 2 });
    try {
      await s.call('POST', '/rules', { name: 'short', trigger: { type: 'core.st2.webhook', parameters: { url: 'short' } }, action: { ref: 'core.noop' } });
      const t0 = Date.now();
      const first = await s.call('POST', '/webhooks/short', { n: 1 }, { 'Idempotency-Key': 'w-1' });
      expect((await s.call('POST', '/webhooks/short', { n: 1 }, { 'Idempotency-Key': 'w-1' })).body).toMatchObject({ id: first.body.id, duplicate: true });
      await until(() => Date.now() > t0 + 2100, 5000, 'the dedupe window to pass');
      const later = await s.call('POST', '/webhooks/short', { n: 1 }, { 'Idempotency-Key': 'w-1' });
      expect(later.body.duplicate).toBe(false);
      expect(later.body.id).not.toBe(first.body.id);
    } finally {
      await s.stop();
    }
  });
});
