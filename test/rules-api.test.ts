// Rules through the REST API on both backends: the auto-remediation journey, every
// decision as a rule enforcement, bad rules rejected with nothing stored, groups, tests,
// replays, the action-trigger, notify, inject_trigger and re-emit.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { rulesHelpers } from './helpers/rules.js';
import { describeServer, until } from './helpers/server.js';

const examples = join(import.meta.dirname, '..', 'packs', 'examples');
type Json = any;

const webhookRule = (name: string, url: string, criteria: Json = {}, action: Json = { ref: 'core.echo', parameters: { message: '{{ trigger.body.msg }}' } }) => ({
  name, trigger: { type: 'core.st2.webhook', parameters: { url } }, criteria, action,
});

describeServer('rules API', (server) => {
  const { call, enforcements, decided, finished } = rulesHelpers(server);

  it('classic auto-remediation: monitoring webhook → criteria → action, every decision recorded', async () => {
    const rules = (await call('GET', '/rules?pack=examples')).body.map((r: Json) => r.ref);
    expect(rules).toEqual(['examples.drain_overloaded_host', 'examples.echo_event', 'examples.lights_on_button', 'examples.remediate_failing_check', 'examples.restart_on_critical']);
    const hit = await call('POST', '/webhooks/monitoring/alerts', { status: 'CRITICAL', service: 'nginx', host: 'web1', summary: 'down' });
    expect(hit.status).toBe(202);
    const miss = await call('POST', '/webhooks/monitoring/alerts', { status: 'ok', service: 'nginx', host: 'web1' });
    const [ok] = await decided(`trigger_instance=${hit.body.id}`);
    expect(ok).toMatchObject({ rule_ref: 'examples.restart_on_critical', status: 'succeeded', details: { parameters: { host: 'web1', service: 'nginx', reason: 'down' } } });
    const e = await finished(ok.execution_id);
    expect(e).toMatchObject({ status: 'succeeded', action: 'examples.restart_service', result: { stdout: 'restarting nginx on web1: down' } });
    expect(e.context).toMatchObject({ source: 'rule', rule: { ref: 'examples.restart_on_critical' }, trigger_instance: { id: hit.body.id } });
    const [no] = await decided(`trigger_instance=${miss.body.id}`);
    expect(no).toMatchObject({ status: 'no_match', execution_id: null, failure_reason: expect.stringContaining('trigger.body.status iequals "critical" failed (value "ok")') });
    const inst = (await call('GET', `/triggerinstances/${hit.body.id}`)).body;
    expect(inst).toMatchObject({ status: 'processed', trigger_type: 'core.st2.webhook', payload: { url: 'monitoring/alerts', body: { host: 'web1' } } });
    // notify on-complete of examples.restart_service → one notifytrigger instance, route chatops.
    const notify = await until(async () => {
      const list = (await call('GET', '/triggerinstances?trigger_type=core.st2.generic.notifytrigger')).body as Json[];
      return list.find((i) => i.payload.execution_id === ok.execution_id);
    }, 10_000, 'notify trigger');
    expect(notify.payload).toMatchObject({ route: 'chatops', status: 'succeeded', message: 'restart of nginx finished' });
  });

  it('rejects bad rules with the field named, and stores nothing', async () => {
    const before = (await call('GET', '/rules')).body.length;
    const cases: Array<[Json, string, RegExp]> = [
      [{ ...webhookRule('r1', 'x'), trigger: { type: 'core.nope' } }, 'trigger.type', /unknown trigger type "core.nope"/],
      [webhookRule('r2', 'x', { 'trigger.body.a': { type: 'equalz', pattern: 1 } }), 'criteria.trigger.body.a.type', /unknown operator "equalz"/],
      [webhookRule('r3', 'x', { 'trigger.body.a': { type: 'regex', pattern: '([' } }), 'criteria.trigger.body.a.pattern', /invalid regular expression/],
      [webhookRule('r4', 'x', {}, { ref: 'core.nope' }), 'action.ref', /unknown action "core.nope"/],
      [{ ...webhookRule('r5', 'x'), trigger: { type: 'core.st2.webhook', parameters: {} } }, 'trigger.parameters', /url/],
      [{ ...webhookRule('r6', 'x'), window: { period: 'soon', aggregate: 'count() > 1' } }, 'window.period', /duration/],
    ];
    for (const [body, field, message] of cases) {
      const r = await call('POST', '/rules', body);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.code).toBe('RULE_INVALID');
      expect(r.body.where.field).toBe(field);
      expect(r.body.faultstring).toMatch(message);
    }
    expect((await call('GET', '/rules')).body.length).toBe(before);
    expect((await call('GET', '/webhooks')).body.map((t: Json) => t.parameters.url)).not.toContain('x');
    expect((await call('POST', '/rules', webhookRule('dup', 'dup'))).status).toBe(201);
    expect((await call('POST', '/rules', webhookRule('dup', 'dup'))).body.code).toBe('CONFLICT');
  });

  it('any/all/not groups make "critical OR load > 20" one rule', async () => {
    expect((await call('POST', '/rules', webhookRule('either', 'either', {
      any: [{ 'trigger.body.status': { type: 'equals', pattern: 'critical' } }, { 'trigger.body.load': { type: 'greaterthan', pattern: 20 } }],
      not: { 'trigger.body.env': { type: 'equals', pattern: 'dev' } },
    }))).status).toBe(201);
    const send = async (body: Json) => (await call('POST', '/webhooks/either', { msg: 'x', ...body })).body.id as string;
    const ids = [await send({ status: 'critical' }), await send({ load: 30 }), await send({ status: 'ok', load: 1 }), await send({ status: 'critical', env: 'dev' })];
    const statuses = [];
    for (const id of ids) statuses.push((await decided(`trigger_instance=${id}`))[0].status);
    expect(statuses).toEqual(['succeeded', 'succeeded', 'no_match', 'no_match']);
  });

  it('a rule whose request fails records why; the other rules on the event still fire, and the failed one leaves no rows', async () => {
    for (const [name, action] of [['half_a', undefined], ['half_b', { ref: 'core.echo', parameters: {} }], ['half_c', undefined]] as const) {
      expect((await call('POST', '/rules', webhookRule(name, 'half', {}, action))).status).toBe(201);
    }
    const echoes = async () => ((await call('GET', '/executions?action=core.echo&limit=1000')).body as Json[]).length;
    const before = await echoes();
    const id = (await call('POST', '/webhooks/half', { msg: 'both' })).body.id;
    const list = await decided(`trigger_instance=${id}`, 3);
    const by = Object.fromEntries(list.map((e: Json) => [e.rule_ref, e]));
    expect(by['default.half_a']).toMatchObject({ status: 'succeeded' });
    expect(by['default.half_c']).toMatchObject({ status: 'succeeded' });
    expect(by['default.half_b']).toMatchObject({ status: 'failed', execution_id: null, failure_reason: expect.stringMatching(/message/) });
    expect(await echoes()).toBe(before + 2);
    for (const ok of [by['default.half_a'], by['default.half_c']]) {
      const audited = (await call('GET', `/audit?resource_type=execution&resource_ref=${ok.execution_id}`)).body as Json[];
      expect(audited.map((a) => a.action)).toEqual(['execution.request']);
    }
  });

  it('disabled rules decide nothing; enabling, updating and deleting take effect at once', async () => {
    expect((await call('POST', '/rules', { ...webhookRule('toggle', 'toggle'), enabled: false })).status).toBe(201);
    const a = (await call('POST', '/webhooks/toggle', { msg: 'a' })).body.id;
    await until(async () => (await call('GET', `/triggerinstances/${a}`)).body.status === 'processed', 10_000);
    expect(await enforcements(`trigger_instance=${a}`)).toEqual([]);
    expect((await call('POST', '/rules/default.toggle/enable')).body.enabled).toBe(true);
    const b = (await call('POST', '/webhooks/toggle', { msg: 'b' })).body.id;
    expect((await decided(`trigger_instance=${b}`))[0].status).toBe('succeeded');
    const updated = await call('PUT', '/rules/default.toggle', webhookRule('toggle', 'toggle', { 'trigger.body.msg': { type: 'equals', pattern: 'only-this' } }));
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const c = (await call('POST', '/webhooks/toggle', { msg: 'c' })).body.id;
    expect((await decided(`trigger_instance=${c}`))[0].status).toBe('no_match');
    expect((await call('DELETE', '/rules/default.toggle')).status).toBe(204);
    expect((await call('POST', '/webhooks/toggle', { msg: 'd' })).body.code).toBe('WEBHOOK_NOT_FOUND');
    expect((await call('GET', '/rules/default.toggle')).body.code).toBe('RULE_NOT_FOUND');
  });

  it('rule test shows each criterion and the rendered parameters without running anything', async () => {
    const executions = (await call('GET', '/executions?limit=1000')).body.length;
    const r = await call('POST', '/rules/test', { rule: 'examples.restart_on_critical', payload: { body: { status: 'critical', service: 'apache', tags: ['web'], host: 'h2' } } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ matched: true, would_fire: true, parameters: { host: 'h2', service: 'apache', reason: 'no summary' } });
    expect(r.body.criteria[0]).toMatchObject({ key: 'trigger.body.status', type: 'iequals', passed: true, value: 'critical' });
    expect(r.body.criteria[1]).toMatchObject({ group: 'any', passed: true });
    const miss = await call('POST', '/rules/test', { rule: webhookRule('draft', 'draft', { 'trigger.body.n': { type: 'lessthan', pattern: 3 } }), payload: { body: { n: 5 } } });
    expect(miss.body).toMatchObject({ matched: false, would_fire: false, reason: 'trigger.body.n lessthan 3 failed (value 5)' });
    expect((await call('GET', '/executions?limit=1000')).body.length).toBe(executions);
  });

  it('rule replay evaluates a new rule over stored trigger instances', async () => {
    for (const host of ['r1', 'r2', 'r3']) await call('POST', '/webhooks/monitoring/alerts', { status: 'warning', service: 'db', host });
    const draft = webhookRule('warnings', 'monitoring/alerts', { 'trigger.body.status': { type: 'equals', pattern: 'warning' } },
      { ref: 'core.echo', parameters: { message: 'warn {{ trigger.body.host }}' } });
    const r = await call('POST', '/rules/replay', { rule: draft, since: '1h' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.would_fire.map((w: Json) => w.parameters.message)).toEqual(['warn r1', 'warn r2', 'warn r3']);
    expect(r.body.evaluated).toBeGreaterThanOrEqual(3);
    expect((await call('GET', '/rules/default.warnings')).status).toBe(404);
  });

  it('action-trigger, inject_trigger on a pack trigger type, and re-emit', async () => {
    const run = await call('POST', '/executions', { action: 'core.inject_trigger', parameters: { trigger: 'examples.event', payload: { kind: 'deploy', host: 'h9' } } });
    const injected = await finished(run.body.id);
    expect(injected.status).toBe('succeeded');
    const instId = injected.result.trigger_instance.id;
    const [e] = await decided(`trigger_instance=${instId}`);
    expect(e).toMatchObject({ rule_ref: 'examples.echo_event', status: 'succeeded', details: { parameters: { message: 'deploy on h9' } } });
    const at = await until(async () => {
      const list = (await call('GET', '/triggerinstances?trigger_type=core.st2.generic.actiontrigger&limit=200')).body as Json[];
      return list.find((i) => i.payload.execution_id === run.body.id);
    }, 10_000, 'action trigger');
    expect(at.payload).toMatchObject({ status: 'succeeded', action_ref: 'core.inject_trigger', action_name: 'inject_trigger', runner_ref: 'inject-trigger' });
    const again = await call('POST', `/triggerinstances/${instId}/re_emit`);
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(instId);
    expect((await decided(`trigger_instance=${again.body.id}`))[0].status).toBe('succeeded');
    const bad = await call('POST', '/executions', { action: 'core.inject_trigger', parameters: { trigger: 'examples.event', payload: { host: 'no kind' } } });
    expect((await finished(bad.body.id)).result.code).toBe('TRIGGER_PAYLOAD_INVALID');
  });

  it('an instance no rule listens on is stored decided at once; with a rule it goes to the rules engine', async () => {
    const actionTrigger = (id: string) => until(async () => {
      const list = (await call('GET', '/triggerinstances?trigger_type=core.st2.generic.actiontrigger&limit=200')).body as Json[];
      return list.find((i) => i.payload.execution_id === id);
    }, 10_000, 'action trigger');
    const quiet = await finished((await call('POST', '/executions', { action: 'core.noop' })).body.id);
    expect((await actionTrigger(quiet.id)).status).toBe('processed');
    expect(await enforcements(`trigger_instance=${(await actionTrigger(quiet.id)).id}`)).toEqual([]);
    const rule = { name: 'on_noop', trigger: { type: 'core.st2.generic.actiontrigger' }, criteria: { 'trigger.action_ref': { type: 'equals', pattern: 'core.noop' } }, action: { ref: 'core.echo', parameters: { message: 'noop ended' } } };
    expect((await call('POST', '/rules', rule)).status).toBe(201);
    try {
      const heard = await finished((await call('POST', '/executions', { action: 'core.noop' })).body.id);
      const [e] = await decided(`trigger_instance=${(await actionTrigger(heard.id)).id}`);
      expect(e).toMatchObject({ rule_ref: 'default.on_noop', status: 'succeeded' });
    } finally {
      await call('DELETE', '/rules/default.on_noop');
    }
  });

  it('an action trigger leaves out a result larger than 256 KB; the execution keeps it', async () => {
    const actionTrigger = (id: string) => until(async () => {
      const list = (await call('GET', '/triggerinstances?trigger_type=core.st2.generic.actiontrigger&limit=200')).body as Json[];
      return list.find((i) => i.payload.execution_id === id);
    }, 10_000, 'action trigger');
    const big = await finished((await call('POST', '/executions', { action: 'core.local', parameters: { cmd: 'head -c 300000 /dev/zero | tr "\\0" x' } })).body.id);
    expect(big.result.stdout).toHaveLength(300_000);
    expect((await actionTrigger(big.id)).payload).toMatchObject({ status: 'succeeded', result: null, result_omitted: true });
    const small = await finished((await call('POST', '/executions', { action: 'core.local', parameters: { cmd: 'echo small' } })).body.id);
    const payload = (await actionTrigger(small.id)).payload;
    expect(payload.result).toMatchObject({ stdout: 'small', return_code: 0 });
    expect(payload.result_omitted).toBeUndefined();
  });

  it('datastore changes are trigger instances, and rule templates read st2kv', async () => {
    expect((await call('PUT', '/keys/greeting', { value: 'hello', scope: 'system' })).status).toBeLessThan(300);
    const created = await until(async () => {
      const list = (await call('GET', '/triggerinstances?trigger_type=core.st2.key_value_pair.create')).body as Json[];
      return list.find((i) => i.payload.object?.name === 'greeting');
    }, 10_000, 'key_value_pair.create');
    expect(created.payload.object.value).toBe('hello');
    expect((await call('POST', '/rules', webhookRule('kv', 'kv', {}, { ref: 'core.echo', parameters: { message: '{{ st2kv.system.greeting }} {{ trigger.body.who }}' } }))).status).toBe(201);
    const id = (await call('POST', '/webhooks/kv', { who: 'bob' })).body.id;
    expect((await decided(`trigger_instance=${id}`))[0]).toMatchObject({ status: 'succeeded', details: { parameters: { message: 'hello bob' } } });
    // Criteria read the datastore too (the matcher decides without it; the engine with the rule's view).
    expect((await call('POST', '/rules', webhookRule('kv_gate', 'kv-gate', { 'trigger.body.word': { type: 'equals', pattern: '{{ st2kv.system.greeting }}' } }))).status).toBe(201);
    const hit = (await call('POST', '/webhooks/kv-gate', { word: 'hello', msg: 'gate' })).body.id;
    const miss = (await call('POST', '/webhooks/kv-gate', { word: 'bye', msg: 'gate' })).body.id;
    expect((await decided(`trigger_instance=${hit}`))[0]).toMatchObject({ rule_ref: 'default.kv_gate', status: 'succeeded' });
    expect((await decided(`trigger_instance=${miss}`))[0]).toMatchObject({ status: 'no_match', failure_reason: expect.stringContaining('trigger.body.word equals') });
  });
}, { packs: [examples] });
