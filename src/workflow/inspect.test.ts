import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import { compileOrquesta, inspectWorkflow } from './index.js';
import { referencedVariables } from './inspect.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/workflows');

describe('inspectWorkflow', () => {
  it('finds nothing wrong in a sound spec', () => {
    expect(inspectWorkflow(`version: 1.0
input:
  - who
tasks:
  greet:
    action: core.echo message=<% ctx().who %>
    next:
      - when: <% succeeded() %>
        publish: said=<% result().stdout %>
        do: done
  done:
    action: core.noop
output:
  - said: <% ctx(said) %>
`)).toEqual([]);
  });

  it('reports an unknown task in do, at the name', () => {
    expect(inspectWorkflow(`version: 1.0
tasks:
  a:
    action: core.noop
    next:
      - do: b, nope
  b:
    action: core.noop
`)).toEqual([{ line: 6, column: 16, severity: 'error', message: 'task a: "do" names the task "nope", which is not defined' }]);
  });

  it('reports tasks no path reaches, and a spec with no start task', () => {
    const problems = inspectWorkflow(`version: 1.0
tasks:
  a:
    action: core.noop
  b:
    action: core.noop
    next:
      - do: c
  c:
    action: core.noop
    next:
      - do: b
`);
    // b and c only lead to each other; a starts the workflow, so they are unreachable.
    expect(problems).toEqual([
      { line: 5, column: 3, severity: 'error', message: 'task b is unreachable: no path leads to it from a start task' },
      { line: 9, column: 3, severity: 'error', message: 'task c is unreachable: no path leads to it from a start task' },
    ]);
    const loopOnly = inspectWorkflow('version: 1.0\ntasks:\n  a:\n    action: core.noop\n    next:\n      - do: a\n');
    expect(loopOnly).toEqual([{ line: 3, column: 3, severity: 'error', message: expect.stringContaining('no task starts the workflow') }]);
  });

  it('reports bad expression syntax at the expression', () => {
    const problems = inspectWorkflow(`version: 1.0
tasks:
  a:
    action: core.noop
    input:
      x: <% ctx().a + %>
      y: "{{ ctx('a') | }}"
`);
    expect(problems.map((p) => [p.line, p.column, p.severity])).toEqual([[6, 10, 'error'], [7, 11, 'error']]);
    expect(problems[0].message).toMatch(/^bad expression <% ctx\(\)\.a \+ %>: /);
  });

  it('reports variables that no input, var or publish defines', () => {
    const problems = inspectWorkflow(`version: 1.0
input:
  - known
vars:
  - v: <% ctx().known %>
tasks:
  a:
    action: core.echo message=<% ctx().typo %>
    next:
      - publish: p=<% $.v %> q=<% ctx('p') %>
        do: b
  b:
    action: core.echo message="<% ctx(missing) %> and {{ ctx().gone }}"
output:
  - out: <% ctx().q %>
  - items: <% task(a).result.items.select($.result) %>
`);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [8, 'variable "typo" is not defined: no input, var or publish names it (in <% ctx().typo %>)'],
      [13, 'variable "missing" is not defined: no input, var or publish names it (in <% ctx(missing) %>)'],
      [13, 'variable "gone" is not defined: no input, var or publish names it (in {{ ctx().gone }})'],
    ]);
  });

  it('reports a when that can never be false', () => {
    const problems = inspectWorkflow(`version: 1.0
tasks:
  a:
    action: core.noop
    next:
      - when: <% succeeded %>
        do: b
      - when: failed
        do: b
  b:
    action: core.noop
`);
    expect(problems).toEqual([
      { line: 6, column: 15, severity: 'error', message: 'task a: next[0].when: "succeeded" without parentheses is never false; call it: succeeded()' },
      { line: 8, column: 15, severity: 'error', message: expect.stringContaining('plain text "failed", which is always true') },
    ]);
  });

  it('warns about a join with one inbound task and rejects a join count that cannot be met', () => {
    const problems = inspectWorkflow(`version: 1.0
tasks:
  a:
    action: core.noop
    next:
      - do: b, c
  b:
    join: all
    action: core.noop
  c:
    join: 3
    action: core.noop
`);
    expect(problems).toEqual([
      { line: 8, column: 11, severity: 'warning', message: 'task b: join on a task with 1 inbound task(s) waits for nothing' },
      { line: 11, column: 11, severity: 'error', message: 'task c: join 3 can never be met: only 1 task(s) lead here' },
    ]);
  });

  it('warns about item() outside with-items and task(name) naming no task (st2 fails those at run time)', () => {
    const problems = inspectWorkflow(`version: 1.0
tasks:
  a:
    action: core.echo message=<% item() %>
    next:
      - publish: x=<% task(b).result %> y=<% task_status(zz) %>
        do: b
  b:
    action: core.noop
`);
    expect(problems).toEqual([
      { line: 4, column: 13, severity: 'warning', message: 'task a: item() is only defined in a with-items task' },
      { line: 6, column: 43, severity: 'warning', message: 'task_status(zz) names no task of this workflow' },
    ]);
  });

  it('reports an action with an unquoted inline value', () => {
    const problems = inspectWorkflow('version: 1.0\ntasks:\n  a:\n    action: core.echo message=hello world\n');
    expect(problems).toEqual([{ line: 4, column: 13, severity: 'error', message: expect.stringContaining('is not an action reference') }]);
  });

  it('finds $.x only outside parentheses (inside, $ is a lambda argument)', () => {
    expect(referencedVariables(' $.a.select($.b) + ctx().c + ctx("d") ', true)).toEqual(['c', 'd', 'a']);
    expect(referencedVariables(' $.a ', false)).toEqual([]);
  });
});

describe('compileOrquesta', () => {
  it('throws WORKFLOW_INVALID with every error and its position', () => {
    let caught: unknown;
    try {
      compileOrquesta('version: 1.0\ntasks:\n  a:\n    action: core.noop\n    next:\n      - do: x\n      - do: y\n', 'wf.yaml');
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'WORKFLOW_INVALID')).toBe(true);
    const err = caught as Error & { where: unknown; details: unknown[] };
    expect(err.message).toContain('wf.yaml:6:13: task a: "do" names the task "x"');
    expect(err.message).toContain('wf.yaml:7:13: task a: "do" names the task "y"');
    expect(err.where).toEqual({ file: 'wf.yaml', line: 6, column: 13 });
    expect(err.details).toHaveLength(2);
  });

  it('returns the graph of a valid spec (warnings do not block)', () => {
    const graph = compileOrquesta('version: 1.0\ntasks:\n  a:\n    action: core.noop\n    next:\n      - do: b\n  b:\n    join: all\n    action: core.noop\n');
    expect(graph.tasks.map((t) => t.name)).toEqual(['a', 'b']);
  });
});

describe("StackStorm's example workflows", () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));

  it.each(files)('%s compiles and inspects clean', (file) => {
    const source = readFileSync(join(FIXTURES, file), 'utf8');
    expect(inspectWorkflow(source)).toEqual([]);
    expect(compileOrquesta(source, file).tasks.length).toBeGreaterThan(0);
  });
});

describe("st2's inspection-failure example", () => {
  it('reports the undefined variable, the list input and the broken when that st2 reports', () => {
    const source = readFileSync(join(FIXTURES, 'invalid/orquesta-fail-inspection.yaml'), 'utf8');
    // Lines are those of the fixture, which has a two-line origin header.
    expect(inspectWorkflow(source).map((p) => [p.line, p.column, p.message.split(':')[0]])).toEqual([
      [12, 28, 'variable "foobar" is not defined'],
      [20, 9, 'task task2'],
      [22, 15, 'bad expression <% <% succeeded() %>'],
    ]);
  });
});
