// Issue 2's figures: start-up, API throughput, CLI round trip, large results, listing at scale.
import { execFileSync } from 'node:child_process';
import { runLoad } from './api-load.js';
import { seedExecutions } from './seed.js';
import { cliPath, spawnServer } from './server-process.js';
import type { Benchmark, Figure } from './harness.js';
import { median } from './harness.js';

export const PG_URL = process.env.SQUALL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function pgSchemaUrl(tag: string): string {
  return `${PG_URL}?schema=bench_${tag}_${process.pid}_${Date.now() % 100000}`;
}

const backends = (): Array<{ label: string; db: () => string | undefined }> => [
  { label: 'sqlite', db: () => undefined },
  { label: 'postgres', db: () => pgSchemaUrl('load') },
];

export const platformBenchmarks: Benchmark[] = [
  {
    name: 'server-start',
    repeat: 5,
    async run() {
      const s = await spawnServer();
      await new Promise((r) => setTimeout(r, 2000));
      const figures: Figure[] = [
        { name: 'ready (API answering) from process start', unit: 'ms', value: s.readyMs, target: '< 1000' },
        { name: 'RSS idle', unit: 'MB', value: s.rssMb(), target: '< 100' },
      ];
      await s.stop();
      return figures;
    },
  },
  ...backends().flatMap(({ label, db }): Benchmark[] => [
    {
      name: `api-throughput-${label}`,
      repeat: 3,
      async run() {
        const s = await spawnServer({ db: db() });
        try {
          await runLoad(s.url, s.apiKey, { action: 'core.noop' }, 300, 64); // warm-up
          const noop = await runLoad(s.url, s.apiKey, { action: 'core.noop' }, 5000, 64);
          const local = await runLoad(s.url, s.apiKey, { action: 'core.local', parameters: { cmd: 'true' } }, 500, 64);
          if (noop.failed || local.failed) throw new Error(`failed executions: noop ${noop.failed}, local ${local.failed}`);
          return [
            { name: `core.noop POST→succeeded, 64 in flight (${label})`, unit: 'exec/s', value: noop.perSecond, target: '≥ 1000' },
            { name: `core.local cmd=true, 64 in flight (${label})`, unit: 'exec/s', value: local.perSecond, target: '≥ 200' },
          ];
        } finally {
          await s.stop();
        }
      },
    },
  ]),
  {
    name: 'cli-run',
    repeat: 1,
    async run() {
      const s = await spawnServer();
      const env = { ...process.env, SQUALL_HOME: s.home };
      const times: number[] = [];
      try {
        for (let i = 0; i < 12; i++) {
          const t0 = performance.now();
          execFileSync(process.execPath, [cliPath(), 'run', 'core.noop', '--json'], { env, stdio: 'pipe' });
          if (i >= 2) times.push(performance.now() - t0);
        }
      } finally {
        await s.stop();
      }
      return [{ name: '`squall run core.noop` wall time (median of 10)', unit: 'ms', value: median(times), target: '< 300' }];
    },
  },
  {
    name: 'large-result',
    repeat: 3,
    async run() {
      const s = await spawnServer();
      try {
        // 10 MB of stdout becomes a 10 MB JSON result. One small core.local first: the figure is
        // about the result's size, not about the first execution of a fresh server.
        const cmd = "head -c 10000000 /dev/zero | tr '\\0' a";
        const headers = { 'St2-Api-Key': s.apiKey, 'content-type': 'application/json' };
        await runLoad(s.url, s.apiKey, { action: 'core.local', parameters: { cmd: 'echo warm' } }, 1, 1);
        const t0 = performance.now();
        const created = (await (await fetch(`${s.url}/api/v1/executions`, { method: 'POST', headers, body: JSON.stringify({ action: 'core.local', parameters: { cmd } }) })).json()) as { id: string };
        let e: { status: string; result: { stdout: string } };
        for (;;) {
          e = (await (await fetch(`${s.url}/api/v1/executions/${created.id}`, { headers })).json()) as typeof e;
          if (e.status !== 'requested' && e.status !== 'scheduled' && e.status !== 'running') break;
          await new Promise((r) => setTimeout(r, 20));
        }
        const total = performance.now() - t0;
        if (e.status !== 'succeeded' || e.result.stdout.length !== 10_000_000) throw new Error(`large result: ${e.status}`);
        const t1 = performance.now();
        const body = await (await fetch(`${s.url}/api/v1/executions/${created.id}`, { headers })).text();
        const read = performance.now() - t1;
        return [
          { name: '10 MB result: run + store + read back', unit: 'ms', value: total, target: '< 500' },
          { name: `10 MB result: GET /executions/{id} (${(body.length / 1e6).toFixed(1)} MB)`, unit: 'ms', value: read },
        ];
      } finally {
        await s.stop();
      }
    },
  },
  ...backends().map(({ label }): Benchmark => ({
    name: `list-1m-${label}`,
    repeat: 1,
    async run() {
      const db = label === 'postgres' ? pgSchemaUrl('list') : undefined;
      const s0 = await spawnServer({ db });
      await s0.stop();
      const seedSeconds = await seedExecutions(db ?? `${s0.home}/squall.db`, 1_000_000);
      const s = await spawnServer({ db, home: s0.home });
      const headers = { 'St2-Api-Key': s.apiKey };
      const time = async (q: string) => {
        const ts: number[] = [];
        for (let i = 0; i < 21; i++) {
          const t0 = performance.now();
          const list = (await (await fetch(`${s.url}/api/v1/executions?${q}`, { headers })).json()) as unknown[];
          if (list.length !== 50) throw new Error(`expected 50 rows for ${q}, got ${list.length}`);
          if (i > 0) ts.push(performance.now() - t0);
        }
        return median(ts);
      };
      const env = { ...process.env, SQUALL_HOME: s.home };
      const cli: number[] = [];
      try {
        for (let i = 0; i < 6; i++) {
          const t0 = performance.now();
          execFileSync(process.execPath, [cliPath(), 'execution', 'list', '--action', 'bench.a7', '--json'], { env, stdio: 'pipe' });
          if (i > 0) cli.push(performance.now() - t0);
        }
        return [
          { name: `1M executions seeded (${label})`, unit: 's', value: seedSeconds },
          { name: `GET latest 50 (${label})`, unit: 'ms', value: await time('limit=50'), target: '< 50' },
          { name: `GET latest 50 by action (${label})`, unit: 'ms', value: await time('limit=50&action=bench.a7'), target: '< 50' },
          { name: `GET latest 50 by status (${label})`, unit: 'ms', value: await time('limit=50&status=failed'), target: '< 50' },
          { name: `\`squall execution list --action\` wall time (${label})`, unit: 'ms', value: median(cli) },
        ];
      } finally {
        await s.stop();
      }
    },
  })),
];
