// Orquesta's conducting patterns (modelled on StackStorm/orquesta's tests/unit/conducting),
// driven through the simulator: actions answer at once unless a test holds them.
import { describe, expect, it } from 'vitest';
import { advance, rerun, start } from './conductor.js';
import { compileForTest, sequence, simulate, type Schedule } from './simulator.test-helper.js';

const NOW = new Date('2026-01-01T00:00:00Z');

describe('sequence and data flow', () => {
  it('runs tasks in order, publishing into the context, and renders the output', () => {
    const sim = simulate(`version: 1.0
input:
  - name
vars:
  - greeting: null
tasks:
  task1:
    action: core.echo message=<% ctx().name %>
    next:
      - when: <% succeeded() %>
        publish: greeting=<% result().stdout %>
        do: task2
  task2:
    action: core.echo
    input:
      message: <% ctx().greeting %>!
    next:
      - when: <% succeeded() %>
        publish:
          - greeting: <% result().stdout %>
output:
  - greeting: <% ctx().greeting %>
`, { name: 'Stanley' });
    expect(sequence(sim)).toEqual(['task1', 'task2']);
    expect(sim.scheduled[0]).toMatchObject({ kind: 'schedule-task', run: 0, task: 'task1', item: null, action: 'core.echo', input: { message: 'Stanley' }, delaySeconds: 0 });
    expect(sim.scheduled[1].input).toEqual({ message: 'Stanley!' });
    expect(sim.completion).toEqual({ kind: 'complete-workflow', status: 'succeeded', output: { greeting: 'Stanley!' }, errors: [] });
    expect(sim.state.runs.map((r) => [r.id, r.task, r.status])).toEqual([[0, 'task1', 'succeeded'], [1, 'task2', 'succeeded']]);
  });

  it('renders input defaults and vars in order, each seeing the earlier ones; missing input is null', () => {
    const sim = simulate(`version: 1.0
input:
  - a1
  - b1: <% ctx().a1 %>
  - c1
vars:
  - a2: <% ctx().b1 %>
  - b2: <% ctx().a2 %>
tasks:
  task1:
    action: core.noop
output:
  - b2: <% ctx().b2 %>
  - c1: <% ctx().c1 %>
  - again: <% ctx().b2 %>
`, { a1: 'x' });
    expect(sim.completion?.output).toEqual({ b2: 'x', c1: null, again: 'x' });
  });

  it('applies publishes in order: a later publish sees the earlier one of the same entry', () => {
    const sim = simulate(`version: 1.0
tasks:
  task1:
    action: core.echo message="hi"
    next:
      - publish:
          - a3: <% result().stdout %>
          - b3: <% ctx().a3 %>
output:
  - b3: <% ctx().b3 %>
`);
    expect(sim.completion?.output).toEqual({ b3: 'hi' });
  });
});

describe('branching', () => {
  const spec = `version: 1.0
input:
  - which
tasks:
  choose:
    action: core.noop
    next:
      - when: <% ctx().which = 'a' %>
        do: a
      - when: <% ctx().which = 'b' %>
        do: b
  a:
    action: core.noop
  b:
    action: core.noop
`;
  it('follows only the transitions whose when holds', () => {
    expect(sequence(simulate(spec, { which: 'a' }))).toEqual(['choose', 'a']);
    expect(sequence(simulate(spec, { which: 'b' }))).toEqual(['choose', 'b']);
    const none = simulate(spec, { which: 'c' });
    expect(sequence(none)).toEqual(['choose']);
    expect(none.completion?.status).toBe('succeeded');
  });

  it('starts every task without inbound transitions, ordered by name', () => {
    const sim = simulate(`version: 1.0
tasks:
  zeta:
    action: core.noop
  alpha:
    action: core.noop
`);
    expect(sequence(sim)).toEqual(['alpha', 'zeta']);
  });
});

describe('parallel branches and joins', () => {
  const joinAll = `version: 1.0
vars:
  - msg1: foobar
tasks:
  task1:
    action: core.noop
    next:
      - when: <% succeeded() %>
        do: task2, task4
  task2:
    action: core.echo message="fee"
    next:
      - when: <% succeeded() %>
        publish: msg1=<% result().stdout %>
        do: task10
  task4:
    action: core.echo message="fo"
    next:
      - when: <% succeeded() %>
        publish: msg2=<% result().stdout %>
        do: task10
  task10:
    join: all
    action: core.noop
output:
  - messages: [<% ctx().msg1 %>, <% ctx().msg2 %>]
`;

  it('join: all runs the join task once, after every branch, with the branches published context', () => {
    const sim = simulate(joinAll);
    expect(sequence(sim)).toEqual(['task1', 'task2', 'task4', 'task10']);
    expect(sim.completion?.output).toEqual({ messages: ['fee', 'fo'] });
  });

  it('join: all waits while one branch is still running', () => {
    const sim = simulate(joinAll, {}, (cmd) => (cmd.task === 'task4' ? 'hold' : undefined));
    expect(sequence(sim)).toEqual(['task1', 'task2', 'task4']);
    expect(sim.completion).toBeNull();
    sim.finish(sim.running[0], 'succeeded', { stdout: 'late' });
    expect(sequence(sim)).toEqual(['task1', 'task2', 'task4', 'task10']);
    expect(sim.completion?.output).toEqual({ messages: ['fee', 'late'] });
  });

  it('50 parallel branches joined with join: all run the join exactly once', () => {
    const names = Array.from({ length: 50 }, (_, i) => `b${i}`);
    const spec = `version: 1.0
tasks:
  fork:
    action: core.noop
    next:
      - do: ${names.join(', ')}
${names.map((n) => `  ${n}:\n    action: core.noop\n    next:\n      - do: joined\n`).join('')}  joined:
    join: all
    action: core.noop
`;
    const sim = simulate(spec);
    expect(sequence(sim).filter((t) => t === 'joined')).toHaveLength(1);
    expect(sim.completion?.status).toBe('succeeded');
  });

  const joinCount = `version: 1.0
tasks:
  task1:
    action: core.noop
    next:
      - do: task2, task4, task6
  task2:
    action: core.noop
    next:
      - when: <% succeeded() %>
        do: task8
  task4:
    action: core.noop
    next:
      - when: <% succeeded() %>
        do: task8
      - when: <% failed() %>
        do: noop
  task6:
    action: core.noop
    next:
      - when: <% succeeded() %>
        do: task8
      - when: <% failed() %>
        do: noop
  task8:
    join: 2
    action: core.noop
`;

  it('join: N runs once N branches arrived, and a late branch does not run it again', () => {
    const sim = simulate(joinCount);
    expect(sequence(sim)).toEqual(['task1', 'task2', 'task4', 'task6', 'task8']);
    expect(sim.completion?.status).toBe('succeeded');
  });

  it('join: N is satisfied even when another branch fails and is remediated', () => {
    const sim = simulate(joinCount, {}, (cmd) => (cmd.task === 'task6' ? { status: 'failed', result: null } : undefined));
    expect(sequence(sim)).toEqual(['task1', 'task2', 'task4', 'task6', 'task8']);
    expect(sim.completion?.status).toBe('succeeded');
  });

  it('a join that can no longer be satisfied fails the workflow (unreachable join)', () => {
    const sim = simulate(joinCount, {}, (cmd) => (cmd.task === 'task4' || cmd.task === 'task6' ? { status: 'failed', result: null } : undefined));
    expect(sequence(sim)).toEqual(['task1', 'task2', 'task4', 'task6']);
    expect(sim.completion?.status).toBe('failed');
    expect(sim.completion?.errors).toContainEqual({ type: 'error', message: 'The join task "task8" is partially satisfied but unreachable.', task_id: 'task8', route: 0 });
  });

  it('a failed branch before a join all: the task error and the unreachable join are both reported', () => {
    const sim = simulate(joinAll, {}, (cmd) => (cmd.task === 'task4' ? { status: 'failed', result: null } : undefined));
    expect(sim.completion?.status).toBe('failed');
    expect(sim.completion?.errors).toEqual([
      { type: 'error', message: 'Execution failed. See result for details.', task_id: 'task4', result: null },
      { type: 'error', message: 'The join task "task10" is partially satisfied but unreachable.', task_id: 'task10', route: 0 },
      // The output reads msg2, which the failed branch never published.
      { type: 'error', message: expect.stringContaining('msg2') },
    ]);
  });

  it('a task reached by two transitions without join runs once per arrival', () => {
    const sim = simulate(`version: 1.0
tasks:
  a:
    action: core.noop
    next:
      - do: c
  b:
    action: core.noop
    next:
      - do: c
  c:
    action: core.noop
`);
    expect(sequence(sim)).toEqual(['a', 'b', 'c', 'c']);
    // Each arrival runs on its own route, named by the transition taken (Orquesta's split).
    expect(sim.state.runs.map((r) => [r.task, r.route])).toEqual([['a', 0], ['b', 0], ['c', 1], ['c', 2]]);
    expect(sim.state.routes).toEqual([[], ['a__t0'], ['b__t0']]);
  });
});

describe('cycles', () => {
  it('re-runs a task in a loop; each execution gets a new index', () => {
    const sim = simulate(`version: 1.0
vars:
  - count: 0
tasks:
  init:
    action: core.noop
    next:
      - do: body
  body:
    action: core.echo message=<% ctx().count %>
    next:
      - when: <% ctx().count < 2 %>
        publish: count=<% ctx().count + 1 %>
        do: body
      - when: <% ctx().count >= 2 %>
        do: done
  done:
    action: core.noop
output:
  - count: <% ctx().count %>
`);
    expect(sequence(sim)).toEqual(['init', 'body', 'body', 'body', 'done']);
    expect(sim.scheduled.filter((c) => c.task === 'body').map((c) => [c.run, c.input.message])).toEqual([[1, 0], [2, 1], [3, 2]]);
    expect(sim.completion?.output).toEqual({ count: 2 });
  });

  it('a join inside a loop runs once per round', () => {
    const sim = simulate(`version: 1.0
vars:
  - round: 0
tasks:
  init:
    action: core.noop
    next:
      - do: start
  start:
    action: core.noop
    next:
      - do: left, right
  left:
    action: core.noop
    next:
      - do: meet
  right:
    action: core.noop
    next:
      - do: meet
  meet:
    join: all
    action: core.noop
    next:
      - when: <% ctx().round < 1 %>
        publish: round=<% ctx().round + 1 %>
        do: start
`);
    expect(sequence(sim)).toEqual(['init', 'start', 'left', 'right', 'meet', 'start', 'left', 'right', 'meet']);
    expect(sim.completion?.status).toBe('succeeded');
  });
});

describe('with items', () => {
  it('runs one action per item and collects the results in item order', () => {
    const sim = simulate(`version: 1.0
input:
  - members
tasks:
  task1:
    with: <% ctx().members %>
    action: core.echo message="<% item() %>, resistance is futile!"
    next:
      - publish: out=<% result().select($.stdout) %>
output:
  - out: <% ctx().out %>
  - via_task: <% task(task1).result.items.select($.result.stdout) %>
`, { members: ['Lakshmi', 'Lindsay'] });
    expect(sim.scheduled.map((c) => [c.item, c.input.message])).toEqual([[0, 'Lakshmi, resistance is futile!'], [1, 'Lindsay, resistance is futile!']]);
    const expected = ['Lakshmi, resistance is futile!', 'Lindsay, resistance is futile!'];
    expect(sim.completion?.output).toEqual({ out: expected, via_task: expected });
  });

  it('keeps at most `concurrency` items running, and results in item order whatever the finish order', () => {
    const sim = simulate(`version: 1.0
tasks:
  task1:
    with:
      items: <% ctx().xs %>
      concurrency: 2
    action: core.echo message=<% item() %>
    next:
      - publish: out=<% result().select($.stdout) %>
output:
  - out: <% ctx().out %>
`, { xs: ['a', 'b', 'c', 'd', 'e'] }, () => 'hold');
    expect(sim.running.map((c) => c.item)).toEqual([0, 1]);
    sim.finish(sim.running[1], 'succeeded', { stdout: 'B' });
    expect(sim.running.map((c) => c.item)).toEqual([0, 2]);
    for (const letter of ['A', 'C', 'D', 'E']) {
      expect(sim.running.length).toBeLessThanOrEqual(2);
      sim.finish(sim.running[0], 'succeeded', { stdout: letter });
    }
    expect(sim.completion?.output).toEqual({ out: ['A', 'B', 'C', 'D', 'E'] });
  });

  it('zips several lists into named item variables', () => {
    const sim = simulate(`version: 1.0
tasks:
  task1:
    with: x, y in <% zip(ctx().xs, ctx().ys) %>
    action: core.echo message="<% item(x) %>-<% item(y) %>"
`, { xs: ['a', 'b'], ys: [1, 2] });
    expect(sim.scheduled.map((c) => c.input.message)).toEqual(['a-1', 'b-2']);
  });

  it('an empty item list succeeds at once with an empty result', () => {
    const sim = simulate(`version: 1.0
tasks:
  task1:
    with: <% ctx().xs %>
    action: core.noop
    next:
      - when: <% succeeded() %>
        publish: n=<% len(result()) %>
output:
  - n: <% ctx().n %>
`, { xs: [] });
    expect(sim.scheduled).toEqual([]);
    expect(sim.completion).toMatchObject({ status: 'succeeded', output: { n: 0 } });
  });

  it('a failed item fails the task once the running items finished, and stops dispatching', () => {
    const sim = simulate(`version: 1.0
tasks:
  task1:
    with:
      items: <% ctx().xs %>
      concurrency: 2
    action: core.noop
`, { xs: [1, 2, 3, 4] }, () => 'hold');
    const [first, second] = sim.running;
    sim.finish(first, 'failed', { error: 'x' });
    expect(sim.running).toEqual([second]);
    expect(sim.completion).toBeNull();
    sim.finish(second, 'succeeded', {});
    expect(sim.scheduled).toHaveLength(2);
    expect(sim.completion?.status).toBe('failed');
    expect(sim.completion?.errors).toEqual([{ type: 'error', message: 'Execution failed. See result for details.', task_id: 'task1', result: [{ error: 'x' }, {}, null, null] }]);
  });

  it('state stays flat over 10,000 items: counters, marks and results only', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const sim = simulate(`version: 1.0
tasks:
  task1:
    with:
      items: <% ctx().xs %>
      concurrency: 100
    action: core.noop
`, { xs });
    expect(sim.completion?.status).toBe('succeeded');
    const run = sim.state.runs[0];
    expect(run.items?.marks).toBe('s'.repeat(10_000));
    expect(run.items?.results).toHaveLength(10_000);
    // Items' values, marks and results: no per-item objects beyond the result ({}).
    const perItem = JSON.stringify(run.items?.values).length + JSON.stringify(run.items?.results).length + 10_000;
    expect(JSON.stringify(sim.state).length).toBeLessThan(perItem + JSON.stringify(sim.state.root).length + 2_000);
  });
});

describe('retry', () => {
  const spec = `version: 1.0
tasks:
  task1:
    action: core.echo message="try"
    retry:
      count: 2
      delay: 5
    next:
      - when: <% succeeded() %>
        do: task2
  task2:
    action: core.noop
`;

  it('retries a failed task up to count, with the delay, as new task executions', () => {
    let calls = 0;
    const sim = simulate(spec, {}, (cmd) => (cmd.task === 'task1' && ++calls < 3 ? { status: 'failed', result: { n: calls } } : undefined));
    expect(sim.scheduled.map((c) => [c.task, c.attempt, c.delaySeconds])).toEqual([['task1', 0, 0], ['task1', 1, 5], ['task1', 2, 5], ['task2', 0, 0]]);
    expect(sim.completion).toMatchObject({ status: 'succeeded', errors: [] });
  });

  it('fails once the retries are exhausted', () => {
    const sim = simulate(spec, {}, (cmd) => (cmd.task === 'task1' ? { status: 'failed', result: { n: 1 } } : undefined));
    expect(sequence(sim)).toEqual(['task1', 'task1', 'task1']);
    expect(sim.completion?.status).toBe('failed');
    expect(sim.completion?.errors).toHaveLength(1);
  });

  it('retries while `when` holds on the result', () => {
    let n = 0;
    const sim = simulate(`version: 1.0
tasks:
  poll:
    action: core.echo message="x"
    retry:
      when: <% result().stdout != 'ready' %>
      count: 5
`, {}, () => ({ status: 'succeeded', result: { stdout: ++n >= 3 ? 'ready' : 'wait' } }));
    expect(sequence(sim)).toEqual(['poll', 'poll', 'poll']);
    expect(sim.completion?.status).toBe('succeeded');
  });
});

describe('engine commands and errors', () => {
  const handling = (command: string) => `version: 1.0
vars:
  - message: null
tasks:
  task1:
    action: core.fail
    next:
      - when: <% succeeded() %>
        do: task2
      - when: <% failed() %>
        publish:
          - message: oops
        do: ${command}
  task2:
    action: core.noop
output:
  - message: <% ctx().message %>
`;

  it('noop remediates the failure: the workflow succeeds with the published context', () => {
    const sim = simulate(handling('noop'));
    expect(sim.completion).toMatchObject({ status: 'succeeded', output: { message: 'oops' } });
  });

  it('continue does not remediate: the workflow fails, and the output still renders', () => {
    const sim = simulate(handling('continue'));
    expect(sim.completion).toMatchObject({ status: 'failed', output: { message: 'oops' } });
    expect(sim.completion?.errors).toEqual([{ type: 'error', message: 'Execution failed. See result for details.', task_id: 'task1', result: { error: 'boom' } }]);
  });

  it('fail fails the workflow, and tasks named beside it still run (remediation)', () => {
    const sim = simulate(`version: 1.0
tasks:
  task1:
    action: core.fail
    next:
      - when: <% failed() %>
        publish:
          - task_name: <% task().task_name %>
        do:
          - log
          - fail
  log:
    action: core.echo message="<% ctx().task_name %> failed"
`);
    expect(sequence(sim)).toEqual(['task1', 'log']);
    expect(sim.scheduled[1].input).toEqual({ message: 'task1 failed' });
    expect(sim.completion?.status).toBe('failed');
  });

  it('fail after a succeeded task fails the workflow with the fail command\'s error only', () => {
    const sim = simulate(`version: 1.0
tasks:
  task1:
    action: core.noop
    next:
      - do: fail
`);
    expect(sim.completion).toMatchObject({ status: 'failed', errors: [{ type: 'error', message: 'Execution failed. See result for details.', task_id: 'fail' }] });
  });

  it('the retry command re-runs the task at most 3 times, then the failure stands', () => {
    const sim = simulate(`version: 1.0
tasks:
  flaky:
    action: core.fail
    next:
      - when: <% failed() %>
        do: retry
`);
    expect(sim.scheduled.map((c) => [c.task, c.attempt])).toEqual([['flaky', 0], ['flaky', 1], ['flaky', 2], ['flaky', 3]]);
    expect(sim.completion?.status).toBe('failed');
  });

  it('retry as a transition target runs the task again', () => {
    let n = 0;
    const sim = simulate(`version: 1.0
tasks:
  flaky:
    action: core.noop
    next:
      - when: <% failed() %>
        do: retry
`, {}, () => (++n < 3 ? { status: 'failed', result: null } : undefined));
    expect(sequence(sim)).toEqual(['flaky', 'flaky', 'flaky']);
    expect(sim.completion?.status).toBe('succeeded');
  });

  it('a failed task without a matching transition fails the workflow; running tasks finish first; output renders', () => {
    const sim = simulate(`version: 1.0
vars:
  - progress: 0
tasks:
  task1:
    action: core.noop
    next:
      - when: <% succeeded() %>
        publish: progress=25
        do: task2, slow
  task2:
    action: core.fail
    next:
      - when: <% succeeded() %>
        publish: progress=50
        do: task3
  slow:
    action: core.noop
    next:
      - do: after_slow
  after_slow:
    action: core.noop
  task3:
    action: core.noop
output:
  - progress: <% ctx().progress %>
`, {}, (cmd) => (cmd.task === 'slow' ? 'hold' : undefined));
    expect(sim.completion).toBeNull();
    expect(sim.state.status).toBe('failed');
    sim.finish(sim.running[0], 'succeeded');
    // No new task starts once the workflow failed.
    expect(sequence(sim)).toEqual(['task1', 'slow', 'task2']);
    expect(sim.completion).toMatchObject({ status: 'failed', output: { progress: 25 } });
  });

  it('an expression error in a transition fails the workflow with the transition named', () => {
    const sim = simulate(`version: 1.0
tasks:
  task1:
    action: core.noop
    next:
      - when: <% ctx().nothing.deeper %>
        do: task2
  task2:
    action: core.noop
`);
    expect(sim.completion?.status).toBe('failed');
    expect(sim.completion?.errors).toEqual([{
      type: 'error', task_id: 'task1', route: 0, task_transition_id: 'task2__t0',
      message: expect.stringMatching(/^Unable to evaluate expression '<% ctx\(\)\.nothing\.deeper %>'\. /),
    }]);
  });

  it('an input that cannot be rendered fails the workflow before any task', () => {
    const { state, commands } = start(compileForTest(`version: 1.0
input:
  - x: <% ctx().missing.deeper %>
tasks:
  task1:
    action: core.noop
`), {}, NOW);
    expect(state.status).toBe('failed');
    expect(commands).toEqual([{ kind: 'complete-workflow', status: 'failed', output: null, errors: [expect.objectContaining({ type: 'error' })] }]);
  });
});

describe('task delay, action-less tasks, functions', () => {
  it('carries the task delay on the schedule command', () => {
    const sim = simulate(`version: 1.0
input:
  - delay
tasks:
  task1:
    delay: <% ctx().delay %>
    action: core.noop
`, { delay: 3 });
    expect(sim.scheduled[0].delaySeconds).toBe(3);
  });

  it('an action-less task succeeds at once and its transitions are followed', () => {
    const sim = simulate(`version: 1.0
tasks:
  gate:
    next:
      - publish: x=1
        do: work
  work:
    action: core.echo message=<% ctx().x %>
`);
    expect(sim.scheduled.map((c) => [c.task, c.input.message])).toEqual([['work', 1]]);
    expect(sim.completion?.status).toBe('succeeded');
  });

  it('task_status() and task() see other tasks', () => {
    const sim = simulate(`version: 1.0
tasks:
  a:
    action: core.echo message="first"
    next:
      - do: b
  b:
    action: core.noop
    next:
      - publish:
          - st: <% task_status(a) %>
          - out: <% task(a).result.stdout %>
output:
  - st: <% ctx().st %>
  - out: <% ctx().out %>
`);
    expect(sim.completion?.output).toEqual({ st: 'succeeded', out: 'first' });
  });

  it('completed() holds whether the task succeeded or failed; a transition it takes remediates the failure', () => {
    const spec = `version: 1.0
tasks:
  work:
    action: core.noop
    next:
      - when: <% completed() %>
        publish: seen=<% task_status(work) %>
        do: cleanup
      - when: <% succeeded() %>
        do: report
  cleanup:
    action: core.noop
  report:
    action: core.noop
output:
  - seen: <% ctx().seen %>
`;
    const ok = simulate(spec);
    expect(sequence(ok)).toEqual(['work', 'cleanup', 'report']);
    expect(ok.completion).toMatchObject({ status: 'succeeded', output: { seen: 'succeeded' } });
    const failed = simulate(spec, {}, (cmd) => (cmd.task === 'work' ? { status: 'failed', result: { error: 'boom' } } : undefined));
    expect(sequence(failed)).toEqual(['work', 'cleanup']);
    expect(failed.completion).toMatchObject({ status: 'succeeded', output: { seen: 'failed' } });
  });

  it('json() parses text into data, in YAQL and in Jinja', () => {
    const sim = simulate(`version: 1.0
tasks:
  read:
    action: core.echo
    input:
      message: '{"hosts": ["a", "b"], "port": 8080}'
    next:
      - publish:
          - config: <% json(result().stdout) %>
          - port: '{{ json(result().stdout).port }}'
        do: use
  use:
    action: core.echo message=<% ctx().config.hosts[1] %>
output:
  - config: <% ctx().config %>
  - port: <% ctx().port %>
`);
    expect(sim.scheduled[1].input).toEqual({ message: 'b' });
    expect(sim.completion?.output).toEqual({ config: { hosts: ['a', 'b'], port: 8080 }, port: 8080 });
  });

  it('st2kv lookups come through the env the runtime passes', () => {
    const sim = simulate(`version: 1.0
tasks:
  a:
    action: core.echo message=<% st2kv('system.greeting') %>
`, {}, undefined, { env: { kv: (key) => (key === 'system.greeting' ? 'hi' : null) } });
    expect(sim.scheduled[0].input).toEqual({ message: 'hi' });
  });
});

describe('run control', () => {
  const two = `version: 1.0
tasks:
  a:
    action: core.noop
    next:
      - do: b
  b:
    action: core.noop
`;

  it('pause holds the next task until resume', () => {
    const sim = simulate(two, {}, () => 'hold');
    sim.send({ kind: 'pause' });
    expect(sim.commands.slice(-2)).toEqual([{ kind: 'workflow-status', status: 'pausing' }, { kind: 'pause-task', run: 0 }]);
    sim.finish(sim.running[0], 'succeeded');
    expect(sim.state.status).toBe('paused');
    expect(sim.commands.at(-1)).toEqual({ kind: 'workflow-status', status: 'paused' });
    expect(sequence(sim)).toEqual(['a']);
    sim.send({ kind: 'resume' });
    expect(sequence(sim)).toEqual(['a', 'b']);
    sim.finish(sim.running[0], 'succeeded');
    expect(sim.completion?.status).toBe('succeeded');
  });

  it('cancel cancels running tasks and ends canceled once they stop', () => {
    const sim = simulate(two, {}, () => 'hold');
    sim.send({ kind: 'cancel' });
    expect(sim.state.status).toBe('canceling');
    expect(sim.commands.at(-1)).toEqual({ kind: 'cancel-task', run: 0 });
    sim.finish(sim.running[0], 'canceled', null);
    expect(sequence(sim)).toEqual(['a']);
    expect(sim.completion).toMatchObject({ status: 'canceled', errors: [] });
  });

  it('pause lets running items finish and holds the rest; cancel then ends the workflow', () => {
    const sim = simulate(`version: 1.0
tasks:
  each:
    with:
      items: <% ctx().xs %>
      concurrency: 1
    action: core.noop
`, { xs: [1, 2, 3] }, () => 'hold');
    sim.send({ kind: 'pause' });
    sim.finish(sim.running[0], 'succeeded');
    expect(sim.state.status).toBe('paused');
    expect(sim.scheduled).toHaveLength(1);
    sim.send({ kind: 'resume' });
    expect(sim.scheduled.map((c) => c.item)).toEqual([0, 1]);
    sim.send({ kind: 'pause' });
    sim.finish(sim.running[0], 'succeeded');
    sim.send({ kind: 'cancel' });
    expect(sim.completion).toMatchObject({ status: 'canceled' });
    expect(sim.state.runs[0].status).toBe('canceled');
  });

  it('a child that pauses (e.g. an inquiry) pauses the workflow; its resumption resumes it', () => {
    const sim = simulate(two, {}, () => 'hold');
    sim.send({ kind: 'task-status', run: 0, status: 'pending' });
    expect(sim.state.status).toBe('paused');
    sim.send({ kind: 'task-status', run: 0, status: 'running' });
    expect(sim.state.status).toBe('running');
    sim.finish(sim.running[0], 'succeeded');
    expect(sequence(sim)).toEqual(['a', 'b']);
  });

  it('ignores a redelivered finish event and events after the end', () => {
    const graph = compileForTest(two);
    let r = start(graph, {}, NOW);
    const first = r.commands[0] as Schedule;
    r = advance(graph, r.state, { kind: 'task-finished', run: first.run, status: 'succeeded', result: {} }, NOW);
    expect(r.commands.map((c) => c.kind)).toEqual(['schedule-task']);
    const again = advance(graph, r.state, { kind: 'task-finished', run: first.run, status: 'succeeded', result: {} }, NOW);
    expect(again.commands).toEqual([]);
    const done = advance(graph, again.state, { kind: 'task-finished', run: 1, status: 'succeeded', result: {} }, NOW);
    expect(done.commands.map((c) => c.kind)).toEqual(['complete-workflow']);
    expect(advance(graph, done.state, { kind: 'cancel' }, NOW).commands).toEqual([]);
  });

  it('keeps the state plain JSON', () => {
    const sim = simulate(two, {}, () => 'hold');
    expect(JSON.parse(JSON.stringify(sim.state))).toEqual(sim.state);
  });
});

describe('Jinja expressions', () => {
  it('renders Jinja in input, when, publish, items and output with the same functions', () => {
    const sim = simulate(`version: 1.0
input:
  - xs
tasks:
  each:
    with: "{{ ctx('xs') }}"
    action: core.echo message="{{ item() }}!"
    next:
      - when: "{{ succeeded() }}"
        publish:
          - said: "{{ result() | map(attribute='stdout') | list }}"
output:
  - said: "{{ ctx().said }}"
`, { xs: ['a', 'b'] });
    expect(sim.scheduled.map((c) => c.input.message)).toEqual(['a!', 'b!']);
    expect(sim.completion?.output).toEqual({ said: ['a!', 'b!'] });
  });
});

describe('scale', () => {
  it('conducts a 1,000-iteration loop with a flat, bounded state', () => {
    const sim = simulate(`version: 1.0
vars:
  - i: 0
tasks:
  init:
    action: core.noop
    next:
      - do: step
  step:
    action: core.noop
    next:
      - when: <% ctx().i < 999 %>
        publish: i=<% ctx().i + 1 %>
        do: step
output:
  - i: <% ctx().i %>
`);
    expect(sim.scheduled).toHaveLength(1_001);
    expect(sim.completion?.output).toEqual({ i: 999 });
    // Finished runs drop their context: only their record stays.
    expect(sim.state.runs.every((r) => r.delta === undefined)).toBe(true);
  });
});

describe('re-run from failed tasks', () => {
  const spec = `version: 1.0
tasks:
  prepare:
    action: core.echo message="ready"
    next:
      - when: <% succeeded() %>
        publish: prepared=<% result().stdout %>
        do: deploy
  deploy:
    action: core.echo message="<% ctx().prepared %> to deploy"
    next:
      - when: <% succeeded() %>
        publish: deployed=<% result().stdout %>
output:
  - deployed: <% ctx().deployed %>
`;

  it('runs the failed task again in the context it had, keeping what was published, and goes on', () => {
    let failing = true;
    const sim = simulate(spec, {}, (cmd) => (cmd.task === 'deploy' && failing ? { status: 'failed', result: { stderr: 'no disk' } } : undefined));
    expect(sim.completion?.status).toBe('failed');
    failing = false;
    const graph = compileForTest(spec);
    const { state, commands } = rerun(graph, sim.state, {}, NOW);
    expect(commands).toEqual([
      { kind: 'workflow-status', status: 'running' },
      expect.objectContaining({ kind: 'schedule-task', run: 2, task: 'deploy', input: { message: 'ready to deploy' } }),
    ]);
    const done = advance(graph, state, { kind: 'task-finished', run: 2, status: 'succeeded', result: { stdout: 'deployed' } }, NOW);
    expect(done.commands).toEqual([{ kind: 'complete-workflow', status: 'succeeded', output: { deployed: 'deployed' }, errors: [] }]);
  });

  it('re-runs only the items that did not succeed, keeping the others results in order', () => {
    const items = `version: 1.0
tasks:
  each:
    with: <% ctx().xs %>
    action: core.echo message=<% item() %>
    next:
      - publish: out=<% result().select($.stdout) %>
output:
  - out: <% ctx().out %>
`;
    const sim = simulate(items, { xs: ['a', 'b', 'c'] }, (cmd) => (cmd.item === 1 ? { status: 'failed', result: null } : undefined));
    expect(sim.completion?.status).toBe('failed');
    const graph = compileForTest(items);
    let r = rerun(graph, sim.state, { tasks: ['each'] }, NOW);
    const again = r.commands.filter((c) => c.kind === 'schedule-task');
    expect(again.map((c) => [c.kind === 'schedule-task' && c.item, c.kind === 'schedule-task' && c.input])).toEqual([[1, { message: 'b' }]]);
    r = advance(graph, r.state, { kind: 'task-finished', run: 1, item: 1, status: 'succeeded', result: { stdout: 'B' } }, NOW);
    expect(r.commands.at(-1)).toEqual({ kind: 'complete-workflow', status: 'succeeded', output: { out: ['a', 'B', 'c'] }, errors: [] });
  });

  it('refuses a workflow that succeeded or is running, and a task that did not fail', () => {
    const graph = compileForTest(spec);
    const ok = simulate(spec);
    expect(() => rerun(graph, ok.state, {}, NOW)).toThrow(expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }));
    const running = simulate(spec, {}, () => 'hold');
    expect(() => rerun(graph, running.state, {}, NOW)).toThrow(expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }));
    const failed = simulate(spec, {}, (cmd) => (cmd.task === 'deploy' ? { status: 'failed', result: null } : undefined));
    expect(() => rerun(graph, failed.state, { tasks: ['prepare'] }, NOW)).toThrow(expect.objectContaining({ code: 'RERUN_INVALID' }));
    expect(() => rerun(graph, failed.state, { tasks: ['deploy', 'nope'] }, NOW)).toThrow(expect.objectContaining({ code: 'RERUN_INVALID', message: 'the workflow has no task named nope' }));
    expect(() => rerun(graph, failed.state, { tasks: ['deploy'], reset: ['prepare'] }, NOW)).toThrow(expect.objectContaining({ code: 'RERUN_INVALID' }));
  });

  it('runs every item again of a with-items task named in reset', () => {
    const items = `version: 1.0
tasks:
  each:
    with: <% ctx().xs %>
    action: core.echo message=<% item() %>
`;
    const sim = simulate(items, { xs: ['a', 'b'] }, (cmd) => (cmd.item === 1 ? { status: 'failed', result: null } : undefined));
    const r = rerun(compileForTest(items), sim.state, { tasks: ['each'], reset: ['each'] }, NOW);
    expect(r.commands.filter((c) => c.kind === 'schedule-task').map((c) => c.kind === 'schedule-task' && c.item)).toEqual([0, 1]);
  });
});

describe('workflow timeout', () => {
  const spec = `version: 1.0
tasks:
  a:
    action: core.local cmd="sleep 30"
    next:
      - do: b
  b:
    action: core.noop
output:
  - done: true
`;

  it('ends the workflow timeout at once, canceling its open tasks and ignoring their late results', () => {
    const graph = compileForTest(spec);
    const sim = simulate(spec, {}, () => 'hold');
    const r = advance(graph, sim.state, { kind: 'timeout', seconds: 5 }, NOW);
    expect(r.commands).toEqual([
      { kind: 'cancel-task', run: 0 },
      { kind: 'complete-workflow', status: 'timeout', output: { done: true }, errors: [{ type: 'error', message: 'the workflow did not complete within its timeout of 5 seconds' }] },
    ]);
    expect(r.state.runs[0]!.status).toBe('canceled');
    expect(advance(graph, r.state, { kind: 'task-finished', run: 0, status: 'canceled', result: null }, NOW).commands).toEqual([]);
  });
});
