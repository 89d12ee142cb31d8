// Issue 6's figures: a node-runner and a python-script (StackStorm) noop action, POSTed
// through the API and observed ended on SSE, with warm runner workers (after a warm-up).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from './api-load.js';
import { spawnServer } from './server-process.js';
import type { Benchmark } from './harness.js';

/** A pack with a node noop and a python-script noop (also for profiling by hand). */
export function codeBenchPack(): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-codebench-'));
  mkdirSync(join(dir, 'actions'));
  writeFileSync(join(dir, 'pack.yaml'), 'name: codebench\nversion: 1.0.0\ndescription: code runner benchmarks\nauthor: bench\nemail: bench@localhost\n');
  writeFileSync(join(dir, 'actions', 'node_noop.yaml'), 'name: node_noop\nrunner_type: node\nentry_point: noop.mjs\n');
  writeFileSync(join(dir, 'actions', 'noop.mjs'), 'export const run = () => null;\n');
  writeFileSync(join(dir, 'actions', 'python_noop.yaml'), 'name: python_noop\nrunner_type: python-script\nentry_point: noop.py\n');
  writeFileSync(join(dir, 'actions', 'noop.py'), 'from st2common.runners.base_action import Action\n\n\nclass Noop(Action):\n    def run(self):\n        return None\n');
  return dir;
}

export const codeRunnerBenchmarks: Benchmark[] = [{
  name: 'code-runners',
  repeat: 3,
  async run() {
    const pack = codeBenchPack();
    const s = await spawnServer({ extraArgs: ['--pack', pack] });
    try {
      const node = { action: 'codebench.node_noop' };
      const python = { action: 'codebench.python_noop' };
      await runLoad(s.url, s.apiKey, node, 20, 8); // warm-up
      await runLoad(s.url, s.apiKey, python, 20, 8);
      const n = await runLoad(s.url, s.apiKey, node, Number(process.env.SQUALL_BENCH_CODE_N ?? 1000), 32);
      const p = await runLoad(s.url, s.apiKey, python, Number(process.env.SQUALL_BENCH_CODE_N ?? 1000) / 2, 32);
      // The same server's ceiling for any action: core.noop runs in the node process itself.
      const ref = await runLoad(s.url, s.apiKey, { action: 'core.noop' }, Number(process.env.SQUALL_BENCH_CODE_N ?? 1000), 32);
      if (n.failed || p.failed) throw new Error(`failed executions: node ${n.failed}, python ${p.failed}`);
      return [
        { name: 'node runner noop, 32 in flight', unit: 'exec/s', value: n.perSecond, target: '≥ 100' },
        { name: 'python-script noop, 32 in flight', unit: 'exec/s', value: p.perSecond, target: '≥ 30' },
        { name: 'core.noop (no process), 32 in flight, same server', unit: 'exec/s', value: ref.perSecond },
      ];
    } finally {
      await s.stop();
      rmSync(pack, { recursive: true, force: true });
    }
  },
}];
