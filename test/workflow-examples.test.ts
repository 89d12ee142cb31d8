// StackStorm's example workflows, copied unchanged from st2's contrib/examples, run through the
// real engine with the real core pack actions, and checked against what st2's integration
// tests expect of them (st2tests/integration/orquesta/test_wiring*.py). The core-only ones
// (test/fixtures/workflows) run with `squall workflow run`, as a pack author's CI would; the
// inquiry ones (test/fixtures/packs/st2_examples) on a server that answers their questions.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { squall } from './helpers/cli.js';
import { describeServer, until } from './helpers/server.js';

type Json = any;

/** `squall workflow run <example> --input <input> --json`: the exit code and the report. */
async function runExample(name: string, input: Json = {}): Promise<{ code: number; report: Json }> {
  const file = join(import.meta.dirname, 'fixtures', 'workflows', `${name}.yaml`);
  const r = await squall(['workflow', 'run', file, '--input', JSON.stringify(input), '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

const tasksOf = (report: Json) => report.tasks.map((t: Json) => [t.name, t.status]);
const SHELL_FAILED = { failed: true, return_code: 1, stderr: '', stdout: '', succeeded: false };
const taskFailed = (task: string, result: Json = SHELL_FAILED) => ({ type: 'error', message: 'Execution failed. See result for details.', task_id: task, result });
const FAIL_COMMAND = { type: 'error', message: 'Execution failed. See result for details.', task_id: 'fail' };
const MEMBERS = ['Lakshmi', 'Lindsay', 'Tomaz', 'Matt', 'Drew'];
const TASK_FUNCTIONS = {
  last_task4_result: 'False', task9__1__parent: 'task8__1', task9__2__parent: 'task8__2',
  that_task_by_name: 'task1', this_task_by_name: 'task1', this_task_no_arg: 'task1',
};

// Most of the time goes to the examples' own sleeps and delays: run them side by side.
describe.concurrent("st2's example workflows through `squall workflow run`", () => {
  it('orquesta-basic', async () => {
    const { code, report } = await runExample('orquesta-basic', { cmd: 'echo hello', timeout: 60 });
    expect([code, report.status, report.output, report.errors]).toEqual([0, 'succeeded', { stdout: 'hello' }, []]);
    expect(report.tasks[0].result).toMatchObject({ stdout: 'hello', return_code: 0 });
  });

  it('orquesta-sequential, also with a non-ASCII name', async () => {
    for (const name of ['Thanos', '薩諾斯']) {
      const { code, report } = await runExample('orquesta-sequential', { name });
      expect([code, report.output], name).toEqual([0, { greeting: `${name}, All your base are belong to us!` }]);
      expect(tasksOf(report)).toEqual([['task1', 'succeeded'], ['task2', 'succeeded'], ['task3', 'succeeded']]);
    }
  });

  it('orquesta-join: the join task runs once, after all four branches', async () => {
    const { code, report } = await runExample('orquesta-join');
    expect(code).toBe(0);
    expect(report.output).toEqual({
      messages: ['Fee fi fo fum', 'I smell the blood of an English man', 'Be alive, or be he dead', "I'll grind his bones to make my bread"],
    });
    const names = report.tasks.map((t: Json) => t.name);
    expect(names.filter((n: string) => n === 'task10')).toHaveLength(1);
    expect(names.at(-1)).toBe('task10');
  });

  it('orquesta-data-flow, also with non-ASCII and 100,000-character data', async () => {
    for (const a1 of ['fee fi fo fum', '床前明月光 疑是地上霜 舉頭望明月 低頭思故鄉', 'x'.repeat(100_000)]) {
      const { code, report } = await runExample('orquesta-data-flow', { a1 });
      expect([code, report.output], a1.slice(0, 20)).toEqual([0, { a5: a1, b5: a1 }]);
    }
  });

  it('orquesta-delay', async () => {
    const { code, report } = await runExample('orquesta-delay', { name: 'Thanos', delay: 1 });
    expect([code, report.output]).toEqual([0, { greeting: 'Thanos, All your base are belong to us!' }]);
  });

  it('orquesta-with-items and orquesta-with-items-concurrency', async () => {
    const items = MEMBERS.map((m) => `${m}, resistance is futile!`);
    const plain = await runExample('orquesta-with-items', { members: MEMBERS });
    expect([plain.code, plain.report.output]).toEqual([0, { items }]);
    const limited = await runExample('orquesta-with-items-concurrency', { members: MEMBERS, concurrency: 2 });
    expect([limited.code, limited.report.output]).toEqual([0, { items }]);
    expect(limited.report.tasks[0].result.map((r: Json) => r.stdout)).toEqual(items);
  });

  it('orquesta-output-on-error: the output as far as it got, and the error', async () => {
    const { code, report } = await runExample('orquesta-output-on-error');
    expect([code, report.status, report.output, report.errors]).toEqual([1, 'failed', { progress: 25 }, [taskFailed('task2')]]);
  });

  it('orquesta-error-handling-continue: continue carries the context on, the failure stands', async () => {
    const failed = await runExample('orquesta-error-handling-continue', { cmd: 'exit 1' });
    expect([failed.code, failed.report.output, failed.report.errors]).toEqual([1, { message: '$%#&@#$!!!' }, [taskFailed('task1')]]);
    const ok = await runExample('orquesta-error-handling-continue', { cmd: 'echo ok' });
    expect([ok.code, ok.report.output, ok.report.errors]).toEqual([0, { message: 'hooray!!!' }, []]);
  });

  it('orquesta-error-handling-noop: noop remediates; st2 shows a succeeded workflow without errors', async () => {
    const { code, report } = await runExample('orquesta-error-handling-noop', { cmd: 'exit 1' });
    expect([code, report.status, report.output, report.errors]).toEqual([0, 'succeeded', { message: '$%#&@#$!!!' }, []]);
  });

  it('orquesta-error-handling-fail-manually', async () => {
    const { code, report } = await runExample('orquesta-error-handling-fail-manually', { cmd: 'exit 1' });
    expect([code, report.output, report.errors]).toEqual([1, { message: '$%#&@#$!!!' }, [taskFailed('task1'), FAIL_COMMAND]]);
    expect(tasksOf(report)).toEqual([['task1', 'failed'], ['task3', 'succeeded']]);
  });

  it.each(['orquesta-remediate-then-fail', 'orquesta-fail-manually'])('%s: the log task runs, then the workflow fails', async (name) => {
    const { code, report } = await runExample(name);
    expect([code, report.output, report.errors]).toEqual([1, null, [taskFailed('task1'), FAIL_COMMAND]]);
    expect(tasksOf(report)).toEqual([['task1', 'failed'], ['log', 'succeeded']]);
    expect(report.tasks[1].result.stdout).toBe('task1 failed with exit code: ');
  });

  it('orquesta-test-action-less-tasks', async () => {
    const { code, report } = await runExample('orquesta-test-action-less-tasks', { name: 'Thanos' });
    expect([code, report.output]).toEqual([0, { greeting: 'THANOS, ALL YOUR BASE ARE BELONG TO US!' }]);
  });

  it.each(['yaql', 'jinja'])('orquesta-test-%s-task-functions: task() by name, in a cycle and per route', async (lang) => {
    const { code, report } = await runExample(`orquesta-test-${lang}-task-functions`);
    expect([code, report.output]).toEqual([0, TASK_FUNCTIONS]);
  });

  it('orquesta-st2-ctx: ctx(st2) names the API and the execution', async () => {
    const { code, report } = await runExample('orquesta-st2-ctx');
    expect(code).toBe(0);
    // No API listens offline; like st2, api_url is where the configured API would be.
    expect(report.output.callback).toMatch(/^http:\/\/127\.0\.0\.1:9101\/api\/v1\/executions\/[0-9a-f]{24}$/);
  });

  it('orquesta-rollback-retry: a cycle of check and rollback until the file exists', async () => {
    const { code, report } = await runExample('orquesta-rollback-retry');
    expect([code, report.status, report.output, report.errors]).toEqual([0, 'succeeded', null, []]);
    const names: string[] = report.tasks.map((t: Json) => t.name);
    expect(names.filter((n) => n === 'check').length).toBeGreaterThan(1);
    expect(names.filter((n) => n === 'rollback')).toHaveLength(names.filter((n) => n === 'check').length - 1);
    expect(tasksOf(report).at(-1)).toEqual(['delete', 'succeeded']);
  });

  it('orquesta-task-retry: check is retried until it succeeds (or its 3 retries run out first)', async () => {
    const { code, report } = await runExample('orquesta-task-retry');
    const checks = report.tasks.filter((t: Json) => t.name === 'check');
    expect(checks.length).toBeGreaterThan(1);
    expect(checks.map((t: Json) => t.attempt)).toEqual(checks.map((_: Json, i: number) => i));
    // The example races its retries (1 s apart) against `create` (sleep 3, then the file): on
    // a busy machine the last retry can come before the file, as it could in st2.
    if (report.status === 'succeeded') {
      expect([code, report.output, checks.at(-1).status]).toEqual([0, null, 'succeeded']);
      expect(tasksOf(report).at(-1)).toEqual(['delete', 'succeeded']);
    } else {
      expect([code, report.status, checks.map((t: Json) => t.status)]).toEqual([1, 'failed', ['failed', 'failed', 'failed', 'failed']]);
      expect(report.tasks.some((t: Json) => t.name === 'delete')).toBe(false);
    }
  });

  it('orquesta-task-retry-exhausted: check fails three times, delete never runs, the workflow fails', async () => {
    const { code, report } = await runExample('orquesta-task-retry-exhausted');
    expect([code, report.status]).toEqual([1, 'failed']);
    expect(report.tasks.filter((t: Json) => t.name === 'check').map((t: Json) => t.status)).toEqual(['failed', 'failed', 'failed']);
    expect(report.tasks.some((t: Json) => t.name === 'delete')).toBe(false);
    expect(report.errors).toEqual([taskFailed('check', { ...SHELL_FAILED, stdout: 'Do something useful here.' })]);
  });
});

// core.ask waits for an answer, and offline there is no API to answer through: these run on a
// server and answer as st2's test_wiring_inquiry.py does.
describeServer("st2's inquiry example workflows", (server) => {
  beforeAll(async () => {
    const r = await server().call('POST', '/packs/register', { path: join(import.meta.dirname, 'fixtures', 'packs', 'st2_examples') });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
  const get = async (id: string) => (await server().call('GET', `/executions/${id}`)).body as Json;
  const inStatus = (id: string, status: string) => until(async () => (await get(id)).status === status, 30_000, `execution ${id} to be ${status}`);
  const start = async (action: string) => {
    const r = await server().call('POST', '/executions', { action });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };
  /** The task execution `task` of workflow `id`, once it is in `status`. */
  const task = (id: string, name: string, status: string) =>
    until(async () => ((await server().call('GET', `/executions?parent=${id}`)).body as Json[]).find((c) => c.context.workflow.task === name && c.status === status), 30_000, `task ${name} of ${id} to be ${status}`);
  const respond = async (id: string, response: Json) => {
    const r = await server().call('POST', `/inquiries/${id}/respond`, { response });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };

  it('orquesta-ask-basic: pauses at the inquiry; the answer resumes it to the end', async () => {
    const wf = await start('examples.orquesta-ask-basic');
    await inStatus(wf, 'paused');
    await respond((await task(wf, 'get_approval', 'pending')).id, { approved: true });
    await inStatus(wf, 'succeeded');
    await task(wf, 'finish', 'succeeded');
  });

  it('orquesta-ask-consecutive: pauses again at the second inquiry', async () => {
    const wf = await start('examples.orquesta-ask-consecutive');
    await inStatus(wf, 'paused');
    await respond((await task(wf, 'get_approval', 'pending')).id, { approved: true });
    const second = await task(wf, 'get_confirmation', 'pending');
    await inStatus(wf, 'paused');
    await respond(second.id, { approved: true });
    await inStatus(wf, 'succeeded');
  });

  it('orquesta-ask-parallel: one answer is not enough for the join; the second is', async () => {
    const wf = await start('examples.orquesta-ask-parallel');
    await inStatus(wf, 'paused');
    await respond((await task(wf, 'ask_jack', 'pending')).id, { approved: true });
    await task(wf, 'ask_jack', 'succeeded');
    await inStatus(wf, 'paused');
    await respond((await task(wf, 'ask_jill', 'pending')).id, { approved: true });
    await inStatus(wf, 'succeeded');
    await task(wf, 'finish', 'succeeded');
  });

  it('orquesta-ask-nested: the inquiry of a subworkflow pauses both; its answer resumes both', async () => {
    const wf = await start('examples.orquesta-ask-nested');
    await inStatus(wf, 'paused');
    const sub = await task(wf, 'get_approval', 'paused');
    await respond((await task(sub.id, 'get_approval', 'pending')).id, { approved: true });
    await inStatus(wf, 'succeeded');
    expect((await get(sub.id)).status).toBe('succeeded');
  });

  it('orquesta-ask-multiple-parameters: the answer\'s fields are published and used', async () => {
    const wf = await start('examples.orquesta_ask_multiple_parameters');
    await inStatus(wf, 'paused');
    await respond((await task(wf, 'get_approval', 'pending')).id, { approved: true, department_id: 42, extra_output: 'ship it' });
    await inStatus(wf, 'succeeded');
    const stdoutOf = async (name: string) => (await get((await task(wf, name, 'succeeded')).id)).result.stdout;
    expect(await stdoutOf('echo_extra_message')).toBe('Extra info ship it.');
    expect(await stdoutOf('finish')).toBe('Approved by department 42. Automation completed.');
  });
});
