import { describe, expect, it } from 'vitest';
import { parseOrquesta } from './compile.js';
import { parseInlineParams, splitInlineAction } from './inline-params.js';

function compile(src: string) {
  const { graph, problems } = parseOrquesta(src);
  expect(problems).toEqual([]);
  return graph!;
}

describe('inline parameters', () => {
  it('reads quoted, numeric, boolean, null and expression values in order', () => {
    expect(parseInlineParams('a=<% ctx().x %> b="two words" c=3 d=1.5 e=True f=null g={{ ctx("y") }} h=\'q\'')).toEqual([
      ['a', '<% ctx().x %>'], ['b', 'two words'], ['c', 3], ['d', 1.5], ['e', true], ['f', null], ['g', '{{ ctx("y") }}'], ['h', 'q'],
    ]);
  });

  it('splits an action reference from its inline input', () => {
    expect(splitInlineAction('core.local cmd="ls -l" timeout=10')).toEqual({ action: 'core.local', input: { cmd: 'ls -l', timeout: 10 } });
    expect(splitInlineAction('core.noop')).toEqual({ action: 'core.noop', input: null });
  });
});

describe('parseOrquesta', () => {
  it('compiles tasks, transitions, publish forms and do forms with positions', () => {
    const g = compile(`version: 1.0
description: demo
input:
  - name
  - greeting: hello
vars:
  - count: 0
tasks:
  task1:
    action: core.echo message=<% ctx().name %>
    next:
      - when: <% succeeded() %>
        publish: a=<% result().stdout %> b=2
        do: task2, task3
      - when: <% failed() %>
        publish:
          - err: <% result() %>
        do:
          - fail
  task2:
    action: core.noop
    next:
      - publish:
          x: 1
  task3:
    join: all
    action: core.noop
output:
  - a: <% ctx().a %>
`);
    expect(g.description).toBe('demo');
    expect(g.input).toEqual([
      { name: 'name', hasDefault: false, default: null, pos: { line: 4, column: 5 } },
      { name: 'greeting', hasDefault: true, default: 'hello', pos: { line: 5, column: 5 } },
    ]);
    expect(g.vars.map((v) => [v.name, v.value])).toEqual([['count', 0]]);
    const [t1, t2, t3] = g.tasks;
    expect(t1.action).toBe('core.echo');
    expect(t1.input).toEqual({ message: '<% ctx().name %>' });
    expect(t1.pos).toEqual({ line: 9, column: 3 });
    expect(t1.transitions[0].when).toBe('<% succeeded() %>');
    expect(t1.transitions[0].publish.map((p) => [p.name, p.value])).toEqual([['a', '<% result().stdout %>'], ['b', 2]]);
    expect(t1.transitions[0].targets).toEqual([
      { name: 'task2', pos: { line: 14, column: 13 } },
      { name: 'task3', pos: { line: 14, column: 20 } },
    ]);
    expect(t1.transitions[1].targets.map((t) => t.name)).toEqual(['fail']);
    // A next entry without `do` continues (Orquesta's default).
    expect(t2.transitions[0].targets.map((t) => t.name)).toEqual(['continue']);
    expect(t2.transitions[0].publish.map((p) => [p.name, p.value])).toEqual([['x', 1]]);
    expect(t3.join).toEqual({ kind: 'all', pos: { line: 26, column: 11 } });
    expect(g.output?.map((o) => o.name)).toEqual(['a']);
  });

  it('reads with-items forms, retry and delay', () => {
    const g = compile(`version: 1.0
tasks:
  a:
    with: <% ctx().xs %>
    action: core.echo message=<% item() %>
  b:
    with:
      items: x, y in <% zip(ctx().xs, ctx().ys) %>
      concurrency: 2
    action: core.noop
    retry:
      when: <% failed() %>
      count: 3
      delay: 1
    delay: <% ctx().d %>
`);
    expect(g.tasks[0].with).toMatchObject({ items: '<% ctx().xs %>', vars: [], concurrency: null });
    expect(g.tasks[1].with).toMatchObject({ items: '<% zip(ctx().xs, ctx().ys) %>', vars: ['x', 'y'], concurrency: 2 });
    expect(g.tasks[1].retry).toMatchObject({ when: '<% failed() %>', count: 3, delay: 1 });
    expect(g.tasks[1].delay).toBe('<% ctx().d %>');
  });

  it('reads values as PyYAML does (st2): yes/no are booleans, y and n stay strings', () => {
    const g = compile('version: 1.0\nvars:\n  - notify: yes\n  - quiet: off\n  - answer: n\ntasks:\n  a:\n    action: core.noop\n');
    expect(g.vars.map((v) => [v.name, v.value])).toEqual([['notify', true], ['quiet', false], ['answer', 'n']]);
  });

  it('reports unknown keys and wrong types at their positions', () => {
    const { problems } = parseOrquesta(`version: 1.0
tasks:
  a:
    action: core.noop
    nxt: []
    join: maybe
    next:
      - when: <% succeeded() %>
        go: b
      - 42
`);
    expect(problems).toEqual([
      { line: 5, column: 5, severity: 'error', message: expect.stringContaining('unknown key "nxt"') },
      { line: 6, column: 11, severity: 'error', message: expect.stringContaining('join must be "all" or a positive integer') },
      { line: 9, column: 9, severity: 'error', message: expect.stringContaining('unknown key "go"') },
      { line: 10, column: 9, severity: 'error', message: expect.stringContaining('next[1] must be a mapping') },
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const { graph, problems } = parseOrquesta('version: 1.0\ntasks:\n  a: [unclosed\n');
    expect(graph).toBeNull();
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ severity: 'error', message: expect.stringMatching(/^YAML: /) });
    expect(problems[0].line).toBeGreaterThanOrEqual(3);
  });

  it('requires version 1.0 and tasks, and rejects reserved task names', () => {
    const { problems } = parseOrquesta('version: 2.0\ntasks:\n  noop:\n    action: core.noop\n');
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('version must be 1.0'),
      expect.stringContaining('reserved'),
    ]);
    expect(parseOrquesta('version: 1.0\n').problems[0].message).toContain('no "tasks"');
  });
});
