// Inquiries (core.ask) end to end on both backends: a workflow asking pauses, the inquiry is
// listed, bad answers and strangers are refused without changing anything, a good answer
// resumes the workflow with the data, a ttl times it out, and nested workflows follow.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startServer } from '../src/server.js';
import { getExecution } from '../src/store/executions.js';
import { describeServer, startTestServer, until } from './helpers/server.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'packs');
type Json = any;

describeServer('inquiries (core.ask)', (server) => {
  beforeAll(async () => {
    const r = await server().call('POST', '/packs/register', { path: join(fixtures, 'wf_demo') });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
  const run = async (action: string, parameters: Json = {}) => {
    const r = await server().call('POST', '/executions', { action, parameters });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as Json;
  };
  const get = async (id: string) => (await server().call('GET', `/executions/${id}`)).body as Json;
  const inStatus = (id: string, ...statuses: string[]) =>
    until(async () => {
      const e = await get(id);
      return statuses.includes(e.status) && e;
    }, 30_000, `execution ${id} to be ${statuses.join('|')}`);
  /** The core.ask execution under workflow `id`, once pending. */
  const askOf = (id: string) =>
    until(async () => {
      const children = (await server().call('GET', `/executions?parent=${id}&action=core.ask`)).body as Json[];
      return children.find((c) => c.status === 'pending');
    }, 30_000, `the inquiry of ${id}`);
  /** An API key header of `username` (created with `role` on first use). */
  const keyOf = async (username: string, role: string) => {
    const s = server();
    if ((await s.call('POST', '/users', { username, password: 'password-123' })).status === 201) {
      expect((await s.call('POST', '/rbac/assignments', { user: username, role })).status).toBe(201);
    }
    return { 'St2-Api-Key': (await s.call('POST', '/apikeys', { user: username })).body.key as string };
  };
  const respond = (id: string, response: Json, headers?: Record<string, string>) => server().call('PUT', `/inquiries/${id}`, { id, response }, headers);

  it('pauses the workflow; a bad answer changes nothing; a good one resumes it with the data', async () => {
    const wf = await run('wf_demo.approve');
    const ask = await askOf(wf.id);
    expect((await inStatus(wf.id, 'paused')).status).toBe('paused');

    const listed = (await server().call('GET', '/inquiries')).body as Json[];
    const inquiry = listed.find((i) => i.id === ask.id);
    expect(inquiry).toMatchObject({ status: 'pending', parent: wf.id, route: 'deployers', ttl: 60, users: [], roles: [] });
    expect(inquiry.schema.properties.approved).toMatchObject({ type: 'boolean', required: true });
    expect(Date.parse(inquiry.expires_at) - Date.parse(inquiry.created_at)).toBe(3_600_000);
    expect((await server().call('GET', `/inquiries/${ask.id}`)).body).toEqual(inquiry);
    const fired = (await server().call('GET', '/triggerinstances?trigger_type=core.st2.generic.inquiry')).body as Json[];
    expect(fired.map((t) => t.payload)).toContainEqual({ id: ask.id, route: 'deployers' });

    const wrongType = await respond(ask.id, { approved: 'yes' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({ code: 'INQUIRY_RESPONSE_INVALID' });
    expect(wrongType.body.faultstring).toContain('response.approved must be boolean');
    const missing = await respond(ask.id, { version: '1.2' });
    expect(missing.status).toBe(400);
    expect(missing.body.faultstring).toContain('response.approved');
    expect((await get(ask.id)).status).toBe('pending');
    expect((await get(wf.id)).status).toBe('paused');

    const ok = await respond(ask.id, { approved: true, token: 'tok-s3cret' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toEqual({ id: ask.id, response: { approved: true, version: 'latest', token: 'tok-s3cret' } });
    const done = await inStatus(wf.id, 'succeeded', 'failed');
    expect(done.status, JSON.stringify(done.result)).toBe('succeeded');
    expect(done.result.output).toMatchObject({ version: 'latest', said: 'deploying latest' });

    const answered = await get(ask.id);
    expect(answered.status).toBe('succeeded');
    // st2's result, with the secret field of the answer masked in what the API shows.
    expect(answered.result).toEqual({
      schema: inquiry.schema, roles: [], users: [], route: 'deployers', ttl: 60,
      response: { approved: true, version: 'latest', token: '********' },
    });
    expect((await server().call('GET', '/inquiries')).body.map((i: Json) => i.id)).not.toContain(ask.id);
    const again = await respond(ask.id, { approved: false });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INQUIRY_CLOSED');
  });

  it('refuses an answer from a user the inquiry does not name, and takes one from a user it names', async () => {
    const s = server();
    const dora = await keyOf('dora', 'operator');
    const wf = await run('wf_demo.approve', { users: ['dora'] });
    const ask = await askOf(wf.id);
    const refused = await respond(ask.id, { approved: true });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    // RBAC first: an observer lacks inquiry:respond.
    const olga = await keyOf('olga', 'observer');
    expect((await respond(ask.id, { approved: true }, olga)).status).toBe(403);
    expect((await s.call('GET', `/inquiries/${ask.id}`, undefined, olga)).status).toBe(200);
    expect((await get(ask.id)).status).toBe('pending');
    const ok = await respond(ask.id, { approved: true, version: '2.0' }, dora);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await inStatus(wf.id, 'succeeded', 'failed')).result.output.said).toBe('deploying 2.0');
    expect((await s.call('GET', `/inquiries/${ask.id}`)).body).toMatchObject({ status: 'succeeded', responded_by: 'dora' });
  });

  it('takes an answer only from a holder of one of the roles the inquiry names', async () => {
    const s = server();
    const dora = await keyOf('dora', 'operator');
    const ask = await run('core.ask', { roles: ['operator'] });
    await inStatus(ask.id, 'pending');
    expect((await respond(ask.id, { continue: true })).status).toBe(403); // the admin holds only 'admin'
    const ok = await s.call('POST', `/inquiries/${ask.id}/respond`, { response: { continue: true } }, dora);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await inStatus(ask.id, 'succeeded')).result).toMatchObject({ roles: ['operator'], ttl: 1440, route: '', response: { continue: true } });
  });

  it('times out an unanswered inquiry after its ttl; the workflow goes on as for a failed task', async () => {
    // ttl is in minutes: 0.005 is 300 ms.
    const wf = await run('wf_demo.approve', { ttl: 0.005 });
    const done = await inStatus(wf.id, 'succeeded', 'failed');
    expect(done.status, JSON.stringify(done.result)).toBe('succeeded');
    expect(done.result.output.said).toBeNull();
    expect(done.result.output.unanswered).toBe('timeout');
    const ask = await get(((await server().call('GET', `/executions?parent=${wf.id}&action=core.ask`)).body as Json[])[0].id);
    expect(ask.status).toBe('timeout');
    expect(ask.result).toMatchObject({ route: 'deployers', ttl: 0.005 });
    expect(ask.result.response).toBeUndefined();
    const late = await respond(ask.id, { approved: true });
    expect(late.status).toBe(409);
    expect(late.body.faultstring).toContain('timed out');
  });

  it('pauses and resumes the parents of a nested workflow', async () => {
    const outer = await run('wf_demo.approve_nested');
    const inner = await until(async () => ((await server().call('GET', `/executions?parent=${outer.id}`)).body as Json[])[0], 30_000, 'inner workflow');
    const ask = await askOf(inner.id);
    await inStatus(inner.id, 'paused');
    await inStatus(outer.id, 'paused');
    expect((await respond(ask.id, { approved: true, version: '3' })).status).toBe(200);
    const done = await inStatus(outer.id, 'succeeded', 'failed');
    expect(done.status).toBe('succeeded');
    expect(done.result.output.inner).toMatchObject({ version: '3', said: 'deploying 3' });
  });

  it('cancels the question with the workflow waiting on it', async () => {
    const wf = await run('wf_demo.approve');
    const ask = await askOf(wf.id);
    await inStatus(wf.id, 'paused');
    expect((await server().call('POST', `/executions/${wf.id}/cancel`)).status).toBe(200);
    expect((await inStatus(wf.id, 'canceled', 'failed', 'succeeded')).status).toBe('canceled');
    expect((await get(ask.id)).status).toBe('canceled');
    expect((await server().call('GET', '/inquiries')).body.map((i: Json) => i.id)).not.toContain(ask.id);
  });

  it('runs core.ask alone: pending until canceled; ttl 0 never expires', async () => {
    const ask = await run('core.ask', { ttl: 0, schema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
    await inStatus(ask.id, 'pending');
    const inquiry = (await server().call('GET', `/inquiries/${ask.id}`)).body;
    expect(inquiry).toMatchObject({ parent: null, ttl: 0, expires_at: null, schema: { properties: { ok: { type: 'boolean' } } } });
    expect((await server().call('POST', `/executions/${ask.id}/cancel`)).status).toBe(200);
    expect((await get(ask.id)).status).toBe('canceled');
    expect((await respond(ask.id, { ok: true })).status).toBe(409);
    expect((await server().call('GET', '/inquiries/0123456789abcdef01234567')).body.code).toBe('INQUIRY_NOT_FOUND');
  });

  it('fails an inquiry whose schema is not a JSON schema', async () => {
    const ask = await run('core.ask', { schema: { type: 'object', properties: { x: { type: 'no-such-type' } } } });
    const failed = await inStatus(ask.id, 'failed', 'pending');
    expect(failed.status).toBe('failed');
    expect(failed.result.error).toContain('schema');
  });
});

describe('inquiry ttl across a restart [sqlite]', () => {
  it('times out an inquiry whose ttl passes while no server runs', async () => {
    const first = await startTestServer('sqlite');
    const ask = (await first.call('POST', '/executions', { action: 'core.ask', parameters: { ttl: 0.02 } })).body as Json;
    await until(async () => (await first.call('GET', `/inquiries/${ask.id}`)).body.status === 'pending', 10_000, 'the inquiry');
    await first.close();
    // The expiry is a job in the store: the next server to start times the inquiry out.
    const config = loadConfig({ port: 0, logLevel: 'silent', db: join(first.home, 'squall.db'), pollSeconds: 1 }, { SQUALL_HOME: first.home });
    const second = await startServer(config);
    try {
      const e = await until(async () => {
        const got = await second.executions.store.read((tx) => getExecution(tx, ask.id));
        return got?.status === 'timeout' && got;
      }, 30_000, 'the inquiry to time out');
      expect(e.result).toMatchObject({ ttl: 0.02, route: '' });
    } finally {
      await second.close();
      rmSync(first.home, { recursive: true, force: true });
    }
  });
});
