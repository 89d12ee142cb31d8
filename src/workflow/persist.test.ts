import { describe, expect, it } from 'vitest';
import type { StatePart } from '../store/workflows.js';
import { advance, start } from './conductor.js';
import { compileOrquesta } from './index.js';
import type { Graph } from './graph.js';
import { decodeState, encodeState, type Saved } from './persist.js';
import type { WorkflowCommand, WorkflowState } from './state.js';
import { LOOP_WORKFLOW } from '../../bench/workflows.js';

const SPEC = `version: 1.0
input: [n]
tasks:
  each:
    with:
      items: <% range(ctx().n) %>
      concurrency: 10
    action: core.echo
    input:
      message: <% str(item()) %>
    next:
      - do: after
  after:
    action: core.noop
`;

const now = new Date('2026-12-03T00:00:00Z');

/** Keeps the parts as the store would: a map updated by each save. */
function storeOf() {
  const parts = new Map<string, string>();
  let header = '';
  let saved: Saved | null = null;
  return {
    save(state: WorkflowState) {
      const out = encodeState(state, saved);
      if (out.header !== null) header = out.header;
      for (const p of out.parts) parts.set(p.key, p.body);
      saved = out.saved;
      return out;
    },
    load() {
      const list: StatePart[] = [...parts].map(([key, body]) => ({ key, body }));
      return decodeState(header, list);
    },
  };
}

type Written = ReturnType<ReturnType<typeof storeOf>['save']>;
type ScheduleTask = Extract<WorkflowCommand, { kind: 'schedule-task' }>;

/**
 * Runs `graph` to its end, every task succeeding, saving after each event; `check` sees each
 * step's command, what the save wrote, and the store (checked against the state every 97 steps).
 */
function runSaving(graph: Graph, input: Record<string, unknown>, check: (step: number, c: ScheduleTask, written: Written) => void = () => undefined): WorkflowState {
  const store = storeOf();
  let { state, commands } = start(graph, input, now);
  commands = [...commands];
  store.save(state);
  let steps = 0;
  while (commands.length) {
    const c = commands.shift()!;
    if (c.kind !== 'schedule-task') continue;
    const next = advance(graph, state, { kind: 'task-finished', run: c.run, item: c.item, status: 'succeeded', result: { stdout: `r${c.item ?? c.run}` } }, now);
    state = next.state;
    commands.push(...next.commands);
    check(++steps, c, store.save(state));
    if (steps % 97 === 0) expect(store.load().state).toEqual(JSON.parse(JSON.stringify(state)));
  }
  expect(store.load().state).toEqual(JSON.parse(JSON.stringify(state)));
  return state;
}

describe('workflow state in parts', () => {
  const graph = compileOrquesta(SPEC, 'each.yaml');

  it('reads back exactly what was saved, at every step of a 1,000-item fan-out', () => {
    const state = runSaving(graph, { n: 1000 }, (_step, c, written) => {
      // One item finished: its slice and its task's group change, never the other 7 slices.
      if (c.item !== null) expect(written.parts.length).toBeLessThanOrEqual(3);
    });
    expect(state.runs.map((r) => [r.task, r.status])).toEqual([['each', 'succeeded'], ['after', 'succeeded']]);
  });

  it('reads back exactly what was saved along a 300-task loop, each step writing only the newest runs', () => {
    const loop = compileOrquesta(LOOP_WORKFLOW, 'loop.yaml');
    // The run that ended and the one that started: one group, or two across a group's end.
    const state = runSaving(loop, { n: 300 }, (_step, _c, written) => expect(written.parts.length).toBeLessThanOrEqual(2));
    expect(state.runs).toHaveLength(301);
  });

  it('keeps the header as small at the 149th of 150 distinct tasks as at the 100th', () => {
    const tasks = Array.from({ length: 150 }, (_, i) => `  t${i}:\n    action: core.noop\n${i < 149 ? `    next:\n      - do: t${i + 1}\n` : ''}`);
    const chain = compileOrquesta(`version: 1.0\ntasks:\n${tasks.join('')}`, 'chain.yaml');
    const headers = new Map<number, number>();
    runSaving(chain, {}, (step, _c, written) => headers.set(step, written.header!.length));
    expect(headers.get(149)).toBeLessThanOrEqual(headers.get(100)!);
  });

  it('writes nothing but the version when an event changed nothing', () => {
    const store = storeOf();
    const { state } = start(graph, { n: 300 }, now);
    store.save(state);
    const again = store.save(state);
    expect(again.header).toBeNull();
    expect(again.parts).toEqual([]);
  });

  it('reads a whole state saved before parts existed, and writes every part at its next save', () => {
    const { state } = start(graph, { n: 5 }, now);
    const legacy = decodeState(JSON.stringify(state), []);
    expect(legacy.state).toEqual(JSON.parse(JSON.stringify(state)));
    const out = encodeState(legacy.state, legacy.saved);
    expect(out.header).not.toBeNull();
    expect(out.parts.map((p) => p.key).sort()).toEqual(['items:0:0', 'root', 'runs:0']);
  });

  it('says which part is missing rather than inventing one', () => {
    const store = storeOf();
    store.save(start(graph, { n: 5 }, now).state);
    const { header } = encodeState(start(graph, { n: 5 }, now).state, null);
    expect(() => decodeState(header!, [])).toThrow(/part runs:0 is missing/);
    expect(store.load().state.runs).toHaveLength(1);
  });
});
