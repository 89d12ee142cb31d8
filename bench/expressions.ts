// Issue 3's figures: cached-parse evaluation rates of YAQL and Jinja on one core, in process,
// and `squall expr eval --batch` over 10,000 expressions (a real CLI process, wall time).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateExpression, type Lang } from '../src/expr/index.js';
import { cliPath } from './server-process.js';
import type { Benchmark } from './harness.js';

/** Evaluations per second of one expression over a small context, after a warm-up. */
function ratePerSecond(lang: Lang, expr: string, n: number): number {
  const data = { a: 1 };
  for (let i = 0; i < 10_000; i++) evaluateExpression(lang, expr, data);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) evaluateExpression(lang, expr, data);
  return n / ((performance.now() - t0) / 1000);
}

/** A batch file mixing both languages and several shapes, 10,000 entries. */
function batchFile(dir: string): string {
  const shapes: Array<{ lang: Lang; expr: string }> = [
    { lang: 'yaql', expr: '$.hosts.select($.name).join(",")' },
    { lang: 'yaql', expr: '$.n * 2 + len($.hosts)' },
    { lang: 'jinja', expr: '{{ hosts | map(attribute="name") | join(",") }}' },
    { lang: 'jinja', expr: '{{ n * 2 }} items' },
  ];
  const entries = Array.from({ length: 10_000 }, (_, i) => ({
    ...shapes[i % shapes.length]!,
    context: { n: i, hosts: [{ name: `h${i}` }, { name: 'web' }] },
  }));
  const file = join(dir, 'batch.json');
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

export const expressionBenchmarks: Benchmark[] = [{
  name: 'expressions',
  repeat: 3,
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'squall-exprbench-'));
    try {
      const file = batchFile(dir);
      const t0 = performance.now();
      const out = execFileSync(process.execPath, [cliPath(), 'expr', 'eval', '--batch', file], { maxBuffer: 64 * 1024 * 1024 }).toString();
      const batchSeconds = (performance.now() - t0) / 1000;
      const results = JSON.parse(out) as Array<{ value?: unknown; error?: string }>;
      if (results.length !== 10_000 || results.some((r) => r.error !== undefined)) throw new Error('the batch did not evaluate every expression');
      return [
        { name: 'YAQL `$.a + 1`, cached parse, one core', unit: 'eval/s', value: ratePerSecond('yaql', '$.a + 1', 2_000_000), target: '≥ 1000000' },
        { name: 'Jinja `ctx().a + 1`, cached parse, one core', unit: 'eval/s', value: ratePerSecond('jinja', 'ctx().a + 1', 2_000_000), target: '≥ 1000000' },
        { name: '`squall expr eval --batch`, 10,000 expressions, wall time', unit: 's', value: batchSeconds, target: '< 2' },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
}];
