// StackStorm's example workflows (test/fixtures/workflows, copied from st2's contrib/examples)
// conducted with simulated core actions; the expected outputs and errors are those of st2's
// integration tests (st2tests/integration/orquesta/test_wiring*.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileOrquesta } from './index.js';
import { defaultAction, sequence, simulate, type Schedule } from './simulator.test-helper.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/workflows');

function load(name: string) {
  return compileOrquesta(readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8'), `${name}.yaml`);
}

const SHELL_FAILED = { failed: true, return_code: 1, stderr: '', stdout: '', succeeded: false };

/** core.local as the local-shell-cmd runner answers: `exit 1` fails, `echo X` prints X. */
function shell(cmd: Schedule) {
  if (cmd.action !== 'core.local') return defaultAction(cmd);
  const line = String(cmd.input.cmd);
  if (line === 'exit 1') return { status: 'failed' as const, result: SHELL_FAILED };
  const stdout = line.startsWith('echo ') ? line.slice(5) : '';
  return { status: 'succeeded' as const, result: { failed: false, return_code: 0, stderr: '', stdout, succeeded: true } };
}

const TASK1_ERROR = { type: 'error', message: 'Execution failed. See result for details.', task_id: 'task1', result: SHELL_FAILED };

describe("st2's example workflows", () => {
  it('orquesta-basic', () => {
    const sim = simulate(load('orquesta-basic'), { cmd: 'echo hello', timeout: 60 }, shell);
    expect(sim.scheduled[0].input).toEqual({ cmd: 'echo hello', timeout: 60 });
    expect(sim.completion).toMatchObject({ status: 'succeeded', output: { stdout: 'hello' } });
  });

  it('orquesta-sequential', () => {
    const sim = simulate(load('orquesta-sequential'), { name: 'Thanos' }, shell);
    expect(sim.completion).toEqual({
      kind: 'complete-workflow', status: 'succeeded', output: { greeting: 'Thanos, All your base are belong to us!' }, errors: [],
    });
  });

  it('orquesta-join (state saved as JSON after every event)', () => {
    const sim = simulate(load('orquesta-join'), {}, shell, {}, true);
    expect(sequence(sim).filter((t) => t === 'task10')).toHaveLength(1);
    expect(sim.completion?.output).toEqual({
      messages: ['Fee fi fo fum', 'I smell the blood of an English man', 'Be alive, or be he dead', "I'll grind his bones to make my bread"],
    });
  });

  it('orquesta-data-flow', () => {
    const sim = simulate(load('orquesta-data-flow'), { a1: 'fee fi fo fum' }, shell);
    expect(sim.completion).toMatchObject({ status: 'succeeded', output: { a5: 'fee fi fo fum', b5: 'fee fi fo fum' } });
  });

  it('orquesta-delay', () => {
    const sim = simulate(load('orquesta-delay'), { name: 'Thanos', delay: 1 }, shell);
    expect(sim.scheduled.map((c) => c.delaySeconds)).toEqual([1, 0, 0]);
    expect(sim.completion?.output).toEqual({ greeting: 'Thanos, All your base are belong to us!' });
  });

  it('orquesta-with-items and orquesta-with-items-concurrency', () => {
    const members = ['Lakshmi', 'Lindsay', 'Tomaz', 'Matt', 'Jon'];
    const expected = members.map((m) => `${m}, resistance is futile!`);
    expect(simulate(load('orquesta-with-items'), { members }, shell).completion?.output).toEqual({ items: expected });
    const sim = simulate(load('orquesta-with-items-concurrency'), { members, concurrency: 2 }, () => 'hold', {}, true);
    expect(sim.running).toHaveLength(2);
    while (sim.running.length > 0) {
      const cmd = sim.running[0];
      sim.finish(cmd, 'succeeded', { stdout: String(cmd.input.message) });
      expect(sim.running.length).toBeLessThanOrEqual(2);
    }
    expect(sim.completion?.output).toEqual({ items: expected });
  });

  it('orquesta-output-on-error', () => {
    const sim = simulate(load('orquesta-output-on-error'), {}, shell);
    expect(sim.completion).toEqual({
      kind: 'complete-workflow', status: 'failed', output: { progress: 25 }, errors: [{ ...TASK1_ERROR, task_id: 'task2' }],
    });
  });

  it('orquesta-error-handling-continue', () => {
    const ok = simulate(load('orquesta-error-handling-continue'), { cmd: 'echo ok' }, shell);
    expect(ok.completion).toMatchObject({ status: 'succeeded', output: { message: 'hooray!!!' } });
    const failed = simulate(load('orquesta-error-handling-continue'), { cmd: 'exit 1' }, shell);
    expect(failed.completion).toEqual({ kind: 'complete-workflow', status: 'failed', output: { message: '$%#&@#$!!!' }, errors: [TASK1_ERROR] });
  });

  it('orquesta-error-handling-noop', () => {
    const sim = simulate(load('orquesta-error-handling-noop'), { cmd: 'exit 1' }, shell);
    // st2 shows only the output of a succeeded workflow; the conductor still reports the remediated failure.
    expect(sim.completion).toMatchObject({ status: 'succeeded', output: { message: '$%#&@#$!!!' } });
  });

  it('orquesta-error-handling-fail-manually', () => {
    const sim = simulate(load('orquesta-error-handling-fail-manually'), { cmd: 'exit 1' }, shell, {}, true);
    expect(sequence(sim)).toEqual(['task1', 'task3']);
    expect(sim.completion).toEqual({
      kind: 'complete-workflow', status: 'failed', output: { message: '$%#&@#$!!!' },
      errors: [TASK1_ERROR, { type: 'error', message: 'Execution failed. See result for details.', task_id: 'fail' }],
    });
  });

  it('orquesta-remediate-then-fail', () => {
    const sim = simulate(load('orquesta-remediate-then-fail'), {}, shell);
    expect(sim.scheduled.map((c) => [c.task, c.input])).toEqual([
      ['task1', { cmd: 'exit 1' }],
      ['log', { message: 'task1 failed with exit code: ' }],
    ]);
    expect(sim.completion).toEqual({
      kind: 'complete-workflow', status: 'failed', output: null,
      errors: [TASK1_ERROR, { type: 'error', message: 'Execution failed. See result for details.', task_id: 'fail' }],
    });
  });

  it('orquesta-test-action-less-tasks', () => {
    const sim = simulate(load('orquesta-test-action-less-tasks'), { name: 'Thanos' }, shell);
    expect(sim.completion?.output).toEqual({ greeting: 'THANOS, ALL YOUR BASE ARE BELONG TO US!' });
  });

  it.each(['yaql', 'jinja'])('orquesta-test-%s-task-functions: task() by name, in a cycle and per route', (lang) => {
    // `echo "X"; sleep 1` prints X, as the shell would.
    const echo = (cmd: Schedule) => {
      const m = /^echo "([^"]*)"/.exec(String(cmd.input.cmd ?? ''));
      return m ? { status: 'succeeded' as const, result: { stdout: m[1], stderr: '', return_code: 0 } } : defaultAction(cmd);
    };
    const sim = simulate(load(`orquesta-test-${lang}-task-functions`), {}, echo);
    expect(sim.completion).toMatchObject({
      status: 'succeeded',
      output: {
        last_task4_result: 'False', task9__1__parent: 'task8__1', task9__2__parent: 'task8__2',
        that_task_by_name: 'task1', this_task_by_name: 'task1', this_task_no_arg: 'task1',
      },
    });
  });
});
