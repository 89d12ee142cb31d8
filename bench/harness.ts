// The benchmark harness: each benchmark runs `repeat` times; the table shows the median
// (and min/max) of each figure, and results land in bench/results/<timestamp>.json + latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

export interface Figure {
  /** e.g. "noop executions/s (sqlite)" */
  name: string;
  unit: string;
  value: number;
  /** The target, for the table: "≥ 1000", "< 300". */
  target?: string;
}

export interface Benchmark {
  name: string;
  repeat: number;
  run(): Promise<Figure[]>;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

interface Row {
  benchmark: string;
  figure: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  target?: string;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : Math.abs(n) >= 0.1 || n === 0 ? n.toFixed(2) : n.toPrecision(2));

export async function runBenchmarks(all: readonly Benchmark[], only: readonly string[]): Promise<Row[]> {
  const chosen = only.length ? all.filter((b) => only.some((o) => b.name.includes(o))) : all;
  const rows: Row[] = [];
  for (const b of chosen) {
    process.stderr.write(`# ${b.name} (${b.repeat} runs)\n`);
    const byFigure = new Map<string, { f: Figure; values: number[] }>();
    for (let i = 0; i < b.repeat; i++) {
      // One broken benchmark must not cost the figures of the others.
      const figures = await b.run().catch((err: unknown) => {
        process.stderr.write(`  ${b.name} failed: ${(err as Error).message}\n`);
        return [];
      });
      for (const f of figures) {
        const entry = byFigure.get(f.name) ?? { f, values: [] };
        entry.values.push(f.value);
        byFigure.set(f.name, entry);
      }
    }
    for (const { f, values } of byFigure.values()) {
      rows.push({ benchmark: b.name, figure: f.name, unit: f.unit, median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length, target: f.target });
    }
  }
  const header = ['benchmark', 'figure', 'median', 'min', 'max', 'unit', 'target'];
  const table = rows.map((r) => [r.benchmark, r.figure, fmt(r.median), fmt(r.min), fmt(r.max), r.unit, r.target ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  process.stdout.write([line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n') + '\n');
  const dir = join(packageRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const doc = JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2);
  writeFileSync(join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`), doc);
  writeFileSync(join(dir, 'latest.json'), doc);
  return rows;
}
