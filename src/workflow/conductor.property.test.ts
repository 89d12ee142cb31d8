// Property: on any acyclic workflow whose merge points are `join: all`, every task runs exactly
// once and the workflow succeeds, whatever order the running actions finish in, with the state
// saved as JSON between events.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate } from './simulator.test-helper.js';

/** Edges i → j (i < j) of a DAG over `n` tasks in which every task but t0 has an inbound edge. */
const dag = fc.integer({ min: 2, max: 8 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 12 }),
    fc.array(fc.nat(), { minLength: n, maxLength: n }),
  ).map(([count, extra, parents]) => {
    const edges = new Set<string>();
    for (let j = 1; j < count; j++) edges.add(`${parents[j] % j}>${j}`);
    for (const [a, b] of extra) {
      const i = a % count;
      const j = b % count;
      if (i < j) edges.add(`${i}>${j}`);
    }
    return { n: count, edges: [...edges].map((e) => e.split('>').map(Number) as [number, number]) };
  }));

function spec(n: number, edges: Array<[number, number]>): string {
  const lines = ['version: 1.0', 'tasks:'];
  for (let i = 0; i < n; i++) {
    const inbound = edges.filter(([, j]) => j === i).length;
    const next = edges.filter(([a]) => a === i).map(([, j]) => `t${j}`);
    lines.push(`  t${i}:`, '    action: core.noop');
    if (inbound > 1) lines.push('    join: all');
    if (next.length > 0) lines.push('    next:', `      - do: ${next.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('conductor properties', () => {
  it('join-all DAGs: each task runs once, in any completion order', () => {
    fc.assert(
      fc.property(dag, fc.array(fc.nat(), { maxLength: 40 }), ({ n, edges }, picks) => {
        const sim = simulate(spec(n, edges), {}, () => 'hold', {}, true);
        let k = 0;
        while (sim.running.length > 0) {
          const cmd = sim.running[(picks[k++] ?? 0) % sim.running.length];
          sim.finish(cmd, 'succeeded');
        }
        const counts = new Map<string, number>();
        for (const c of sim.scheduled) counts.set(c.task, (counts.get(c.task) ?? 0) + 1);
        expect([...counts.values()].every((c) => c === 1)).toBe(true);
        expect(counts.size).toBe(n);
        expect(sim.completion?.status).toBe('succeeded');
      }),
      { numRuns: 150 },
    );
  });
});
