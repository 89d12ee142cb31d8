// Windows: aggregates over the period, group_by, cooldown, and a fresh window after firing.
import { describe, expect, it } from 'vitest';
import type { RuleProblem } from './model.js';
import { compileWindow, groupKey, parseDuration, stepWindow, type WindowSpec, type WindowState } from './window.js';

function spec(raw: unknown): WindowSpec {
  const problems: RuleProblem[] = [];
  const w = compileWindow(raw, ['window'], problems);
  expect(problems).toEqual([]);
  return w!;
}

function feed(w: WindowSpec, events: Array<[number, unknown]>, cooldownMs = 0): boolean[] {
  let state: WindowState = { events: [], cooldownUntil: 0 };
  return events.map(([t, payload]) => {
    const step = stepWindow(w, state, t, payload, cooldownMs);
    state = step.state;
    return step.fire;
  });
}

describe('rule windows', () => {
  it('parses durations', () => {
    expect([parseDuration('10s'), parseDuration('5m'), parseDuration('1h'), parseDuration('250ms'), parseDuration(3), parseDuration('x')])
      .toEqual([10_000, 300_000, 3_600_000, 250, 3000, null]);
  });

  it('avg over the period fires once the average crosses, then needs fresh events', () => {
    const w = spec({ period: '10s', aggregate: 'avg(trigger.load) > 20' });
    expect(feed(w, [[0, { load: 10 }], [1000, { load: 25 }], [2000, { load: 40 }], [3000, { load: 30 }], [4000, { load: 5 }]]))
      .toEqual([false, false, true, true, false]);
  });

  it('drops events older than the period', () => {
    const w = spec({ period: '10s', aggregate: 'count() >= 3' });
    expect(feed(w, [[0, {}], [5000, {}], [11_000, {}], [12_000, {}]])).toEqual([false, false, false, true]);
  });

  it('cooldown holds back firings; group_by keeps groups apart', () => {
    const w = spec({ period: '1m', group_by: 'trigger.host', aggregate: 'count() >= 1' });
    expect(feed(w, [[0, { host: 'a' }], [1000, { host: 'a' }], [400_000, { host: 'a' }]], 300_000)).toEqual([true, false, true]);
    expect(groupKey(w, { host: 'a' })).toBe('a');
    expect(groupKey(w, {})).toBe('null');
    expect(stepWindow(w, { events: [], cooldownUntil: 5000 }, 1000, { host: 'a' }, 0).reason).toMatch(/^cooldown until/);
  });

  it('sum/min/max ignore events without a number', () => {
    expect(feed(spec({ period: '1m', aggregate: 'sum(trigger.n) >= 10' }), [[0, { n: 4 }], [1, { n: 'x' }], [2, { n: '6' }]])).toEqual([false, false, true]);
    expect(feed(spec({ period: '1m', aggregate: 'max(trigger.n) > 9' }), [[0, { n: 4 }], [1, { n: 10 }]])).toEqual([false, true]);
    expect(feed(spec({ period: '1m', aggregate: 'min(trigger.n) < 0' }), [[0, {}], [1, { n: -1 }]])).toEqual([false, true]);
  });

  it('reports malformed windows', () => {
    const problems: RuleProblem[] = [];
    compileWindow({ period: 'soon', aggregate: 'median(trigger.x) > 1', extra: 1 }, ['window'], problems);
    expect(problems.map((p) => p.path.join('.'))).toEqual(['window.period', 'window.aggregate', 'window.extra']);
  });
});
