// The workflow commands of the built CLI: `squall workflow run` and `workflow inspect` offline
// (the contract in ARCHITECTURE.md that pack authors use in CI), and `squall execution get`
// showing a workflow's task tree from a real server.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { squall, squallInTerminal } from './helpers/cli.js';
import { describeServer } from './helpers/server.js';

type Json = any;

const packs = join(import.meta.dirname, 'fixtures', 'packs');
const wfDemo = join(packs, 'wf_demo');
const demoWorkflow = (name: string) => join(wfDemo, 'actions', 'workflows', `${name}.yaml`);
const example = (name: string) => join(import.meta.dirname, 'fixtures', 'workflows', `${name}.yaml`);
const hasScript = spawnSync('script', ['--version']).status === 0;
const badSpec = join(import.meta.dirname, 'fixtures', 'workflows', 'invalid', 'orquesta-fail-inspection.yaml');

/** `squall workflow run … --json`: the exit code and the one JSON document it printed (JSON.parse fails on anything more). */
async function runJson(...args: string[]): Promise<{ code: number; report: Json }> {
  const r = await squall(['workflow', 'run', ...args, '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

describe('squall workflow run', () => {
  it('--json prints exactly one object {status, output, errors, tasks} with the task executions in start order; exit 0', async () => {
    const { code, report } = await runJson(demoWorkflow('sequence'), '--input', '{"who": "ops"}');
    expect(code).toBe(0);
    expect(Object.keys(report).sort()).toEqual(['errors', 'output', 'status', 'tasks']);
    expect(report).toMatchObject({ status: 'succeeded', output: { greeting: 'hello ops', loud: 'HELLO OPS' }, errors: [] });
    expect(report.tasks.map((t: Json) => [t.name, t.status])).toEqual([['greet', 'succeeded'], ['shout', 'succeeded'], ['done', 'succeeded']]);
    expect(report.tasks[0]).toMatchObject({ result: { stdout: 'hello ops', return_code: 0 }, attempt: 0 });
    const starts = report.tasks.map((t: Json) => Date.parse(t.start_timestamp));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('exits 1 when the workflow failed, with Orquesta errors', async () => {
    const { code, report } = await runJson(example('orquesta-output-on-error'));
    expect(code).toBe(1);
    expect(report.status).toBe('failed');
    expect(report.errors).toEqual([expect.objectContaining({ type: 'error', task_id: 'task2' })]);
    expect(report.tasks.map((t: Json) => [t.name, t.status])).toEqual([['task1', 'succeeded'], ['task2', 'failed']]);
  });

  it('exits 2 (rejected) on an invalid spec, invalid input or a missing file, with the reasons in errors', async () => {
    const rejected = { status: 'rejected', output: null, tasks: [] };
    const spec = await runJson(badSpec);
    expect(spec.code).toBe(2);
    expect(spec.report).toMatchObject(rejected);
    expect(spec.report.errors).toEqual([
      expect.stringMatching(/orquesta-fail-inspection\.yaml:12:28: error: .*foobar/),
      expect.stringMatching(/:20:9: error: task task2: input must be a mapping/),
      expect.stringMatching(/:22:15: error: bad expression/),
    ]);
    for (const [input, reason] of [['[1]', 'must be a JSON object'], ['{not json', 'JSON'], ['{"nobody": 1}', 'nobody']]) {
      const r = await runJson(demoWorkflow('sequence'), '--input', input!);
      expect([r.code, r.report], input).toEqual([2, { ...rejected, errors: [expect.stringContaining(reason!)] }]);
    }
    const missing = await runJson(join(packs, 'no-such-workflow.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.report).toMatchObject({ ...rejected, errors: [expect.stringContaining('no-such-workflow.yaml')] });
  });

  it('loads each --pack, before or after the file; an action of a pack not loaded is a rejection naming its place', async () => {
    const inner = { greeting: 'hello nested', loud: 'HELLO NESTED' };
    for (const args of [['--pack', wfDemo, demoWorkflow('nested')], [demoWorkflow('nested'), '--pack', wfDemo], ['--pack', join(packs, 'durable'), demoWorkflow('nested'), '--pack', wfDemo]]) {
      const { code, report } = await runJson(...args);
      expect([code, report.status, report.output], args.join(' ')).toEqual([0, 'succeeded', { inner }]);
    }
    const without = await runJson(demoWorkflow('nested'));
    expect(without.code).toBe(2);
    expect(without.report.errors).toEqual([expect.stringMatching(/nested\.yaml:4:13: error: task inner: action wf_demo\.sequence is not registered/)]);
  });

  it.skipIf(!hasScript)('shows progress in a terminal by task name and action, then the tasks and the output (needs util-linux `script` for a terminal)', async () => {
    const r = await squallInTerminal(['workflow', 'run', demoWorkflow('nested'), '--pack', wfDemo]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('inner (wf_demo.sequence) succeeded');
    expect(r.stdout).not.toMatch(/^wf_demo\.sequence succeeded/m);
    expect(r.stdout).toMatch(/^inner\s+succeeded\s+0/m);
    expect(r.stdout).toContain('status: succeeded');
  });
});

describe('squall workflow inspect', () => {
  it('prints every problem with line and column and exits non-zero on a bad spec', async () => {
    const r = await squall(['workflow', 'inspect', badSpec]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      `${badSpec}:12:28: error: variable "foobar" is not defined: no input, var or publish names it (in <% ctx().foobar %>)`,
      `${badSpec}:20:9: error: task task2: input must be a mapping or an expression (got a list)`,
      expect.stringMatching(new RegExp(`^${badSpec}:22:15: error: bad expression <% <% succeeded\\(\\) %>`)),
    ]);
    const json = await squall(['workflow', 'inspect', badSpec, '--json']);
    expect(JSON.parse(json.stdout).map((p: Json) => [p.line, p.column, p.severity])).toEqual([[12, 28, 'error'], [20, 9, 'error'], [22, 15, 'error']]);
  });

  it('says so and exits 0 for a good spec', async () => {
    const r = await squall(['workflow', 'inspect', demoWorkflow('fanout')]);
    expect([r.code, r.stdout]).toEqual([0, `${demoWorkflow('fanout')}: no problems\n`]);
  });
});

describeServer('squall execution get for a workflow', (server) => {
  const sq = (...args: string[]) => squall(args, { SQUALL_HOME: server().home });
  beforeAll(async () => {
    expect((await sq('pack', 'register', wfDemo)).code).toBe(0);
  });

  it('shows the task tree: a child workflow\'s tasks indented under their task, with statuses and durations', async () => {
    const done = JSON.parse((await sq('run', 'wf_demo.nested', '--json')).stdout);
    expect(done.status).toBe('succeeded');
    const r = await sq('execution', 'get', done.id);
    expect(r.code).toBe(0);
    const table = r.stdout.slice(r.stdout.indexOf('tasks:\n') + 'tasks:\n'.length).trimEnd().split('\n');
    expect(table[0]).toMatch(/^TASK\s+STATUS\s+STARTED\s+SECONDS$/);
    const rows = table.slice(1).map((l) => /^(\s*\S+)\s+(\S+)\s+(\S+)\s+(\d+\.\d{3})$/.exec(l)?.slice(1, 3));
    expect(rows).toEqual([['inner', 'succeeded'], ['  greet', 'succeeded'], ['  shout', 'succeeded'], ['  done', 'succeeded']]);
  });

  it('--json prints the execution with its tasks, child workflows\' tasks nested', async () => {
    const done = JSON.parse((await sq('run', 'wf_demo.nested', '--json')).stdout);
    const e = JSON.parse((await sq('execution', 'get', done.id, '--json')).stdout);
    expect(e).toMatchObject({ id: done.id, action: 'wf_demo.nested', status: 'succeeded', result: done.result });
    expect(e.tasks).toHaveLength(1);
    expect(e.tasks[0]).toMatchObject({ name: 'inner', status: 'succeeded', runner_type: 'orquesta', items: null });
    const child = JSON.parse((await sq('execution', 'get', e.tasks[0].execution_id, '--json')).stdout);
    expect(child).toMatchObject({ action: 'wf_demo.sequence', parent_id: done.id });
    expect(e.tasks[0].tasks.map((t: Json) => [t.name, t.status, t.runner_type])).toEqual([
      ['greet', 'succeeded', 'local-shell-cmd'], ['shout', 'succeeded', 'local-shell-cmd'], ['done', 'succeeded', 'noop'],
    ]);
    expect(e.tasks[0].tasks).toEqual(child.tasks);
  });

  it('nests the tasks of each item of a with-items task whose action is a workflow', async () => {
    const done = JSON.parse((await sq('run', 'wf_demo.greet_all', '--json')).stdout);
    expect(done.result.output).toEqual({ loud: ['HELLO ANN', 'HELLO BOB'] });
    const e = JSON.parse((await sq('execution', 'get', done.id, '--json')).stdout);
    expect(e.tasks[0].items.map((i: Json) => [i.item, i.status, i.tasks.map((t: Json) => t.name)])).toEqual([
      [0, 'succeeded', ['greet', 'shout', 'done']], [1, 'succeeded', ['greet', 'shout', 'done']],
    ]);
    const r = await sq('execution', 'get', done.id);
    const names = r.stdout.slice(r.stdout.indexOf('tasks:\n')).split('\n').slice(2, -1).map((l) => /^\s*\S+(?: \S+)*?(?=\s{2})/.exec(l)?.[0]);
    expect(names).toEqual(['greet_each (2 items)', '  item 0', '    greet', '    shout', '    done', '  item 1', '    greet', '    shout', '    done']);
  });
});
