// The README's auto-remediation journey with a workflow, on both backends: monitoring POSTs a
// failing health check to the webhook → rule examples.remediate_failing_check (criteria on
// the payload) → workflow examples.remediate_service: diagnose → fix → verify → page a human
// only if the fix failed. A real HTTP endpoint in the test is both the service's health check
// (/health/ok answers 200, /health/down 503) and the pager (/page).
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHttpEndpoint, type HttpEndpoint } from './helpers/http-endpoint.js';
import { rulesHelpers } from './helpers/rules.js';
import { describeServer } from './helpers/server.js';

const examples = join(import.meta.dirname, '..', 'packs', 'examples');
type Json = any;

describeServer('auto-remediation example: monitoring webhook → rule → workflow', (server) => {
  const { call, decided, finished } = rulesHelpers(server);
  let endpoint: HttpEndpoint;
  beforeAll(async () => {
    endpoint = await startHttpEndpoint((r) => ({ status: r.url === '/health/down' ? 503 : 200 }));
    // The pager's URL is configuration, as the README sets it.
    expect((await call('PUT', '/keys/examples_pager_url', { name: 'examples_pager_url', value: `${endpoint.url}/page` })).status).toBe(200);
  });
  afterAll(async () => {
    await endpoint?.close();
  });

  const alert = async (body: Json) => {
    const r = await call('POST', '/webhooks/monitoring/checks', body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.id as string;
  };
  /** The workflow execution the alert's rule enforcement started, once it ended, with its task executions in start order. */
  const remediation = async (instanceId: string) => {
    const [enforcement] = await decided(`trigger_instance=${instanceId}`);
    expect(enforcement).toMatchObject({ rule_ref: 'examples.remediate_failing_check', status: 'succeeded' });
    const workflow = await finished(enforcement.execution_id);
    expect(workflow).toMatchObject({ action: 'examples.remediate_service', context: { source: 'rule', trigger_instance: { id: instanceId } } });
    const tasks = (await call('GET', `/executions/${workflow.id}/workflow`)).body.tasks as Json[];
    return { enforcement, workflow, tasks };
  };
  const pagesFor = (host: string) => endpoint.received.filter((r) => r.url === '/page' && JSON.parse(r.body).host === host);
  const checks = (path: string) => endpoint.received.filter((r) => r.method === 'GET' && r.url === path);

  it('the fix works: diagnose → fix → verify, nobody paged', async () => {
    const id = await alert({ status: 'CRITICAL', host: 'web1', service: 'api', summary: 'health check failing', check_url: `${endpoint.url}/health/ok` });
    const { enforcement, workflow, tasks } = await remediation(id);
    expect(enforcement.details.parameters).toEqual({
      host: 'web1', service: 'api', summary: 'health check failing', check_url: `${endpoint.url}/health/ok`, pager_url: `${endpoint.url}/page`,
    });
    expect(tasks.map((t) => [t.name, t.status])).toEqual([['diagnose', 'succeeded'], ['fix', 'succeeded'], ['verify', 'succeeded']]);
    expect(workflow.status).toBe('succeeded');
    expect(workflow.result.output).toEqual({ remediated: true, paged: false, diagnosis: expect.stringMatching(/^api on web1: .*load average/) });
    const fix = (await call('GET', `/executions/${tasks[1].execution_id}`)).body;
    expect(fix).toMatchObject({ action: 'examples.restart_service', result: { stdout: 'restarting api on web1: health check failing' } });
    expect(checks('/health/ok')).toHaveLength(1);
    // Every task has ended, so a page would have been sent by now.
    expect(pagesFor('web1')).toEqual([]);
  });

  it('the fix fails: verify retries, then a human is paged with the diagnosis and the workflow fails', async () => {
    const id = await alert({ status: 'critical', host: 'web2', service: 'api', summary: 'still failing', check_url: `${endpoint.url}/health/down` });
    const { workflow, tasks } = await remediation(id);
    expect(tasks.map((t) => [t.name, t.status])).toEqual([
      ['diagnose', 'succeeded'], ['fix', 'succeeded'], ['verify', 'failed'], ['verify', 'failed'], ['verify', 'failed'], ['page', 'succeeded'],
    ]);
    expect(workflow.status).toBe('failed');
    expect(workflow.result.output).toEqual({ remediated: false, paged: true, diagnosis: expect.stringMatching(/^api on web2: /) });
    expect(workflow.result.errors).toContainEqual(expect.objectContaining({ task_id: 'verify', result: expect.objectContaining({ status_code: 503 }) }));
    expect(checks('/health/down')).toHaveLength(3);
    const pages = pagesFor('web2');
    expect(pages).toHaveLength(1);
    expect(pages[0]!.method).toBe('POST');
    expect(pages[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(pages[0]!.body)).toEqual({
      host: 'web2', service: 'api', summary: 'still failing', check_url: `${endpoint.url}/health/down`, diagnosis: workflow.result.output.diagnosis,
    });
  });

  it('the criteria decide on the payload: a check that is not critical, or not over http(s), runs nothing', async () => {
    const ok = await alert({ status: 'ok', host: 'web3', service: 'api', check_url: `${endpoint.url}/health/ok` });
    const local = await alert({ status: 'critical', host: 'web3', service: 'api', check_url: 'file:///etc/passwd' });
    const [a] = await decided(`trigger_instance=${ok}`);
    const [b] = await decided(`trigger_instance=${local}`);
    expect(a).toMatchObject({ rule_ref: 'examples.remediate_failing_check', status: 'no_match', execution_id: null, failure_reason: expect.stringContaining('trigger.body.status iequals "critical" failed') });
    expect(b).toMatchObject({ status: 'no_match', execution_id: null, failure_reason: expect.stringContaining('trigger.body.check_url regex') });
  });
}, { packs: [examples] });
