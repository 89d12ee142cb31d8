// Issue 5's webhook figures, through a real `squall server` process on the embedded store
// and real HTTP over loopback:
// - latency: POST /api/v1/webhooks/<url> → the rule's core.noop execution started
//   (its stored start_timestamp, same clock as the client), one event at a time;
// - sustained: a fixed rate of webhook events for a while against 1,000 enabled rules
//   (10 on the url the load hits, all matching), then every event stored, every expected
//   execution created and the counts compared (after 3 s of warm-up at the same rate, counted
//   in the totals only). SQUALL_BENCH_SUSTAIN_SECONDS (default 60)
//   and SQUALL_BENCH_SUSTAIN_RATE (default 2000/s) shorten or change the run.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { spawnServer, type ServerProcess } from './server-process.js';
import { percentile, type Benchmark, type Figure } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(s: ServerProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.url}/api/v1${path}`, {
    method,
    headers: { 'St2-Api-Key': s.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function createRules(s: ServerProcess, rules: readonly unknown[]): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < rules.length) {
      const r = await api(s, 'POST', '/rules', rules[next++]);
      if (r.status !== 201) throw new Error(`creating a rule failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }));
}

const rule = (name: string, url: string, criteria: Record<string, unknown> = {}) => ({
  name, pack: 'bench', trigger: { type: 'core.st2.webhook', parameters: { url } }, criteria,
  action: { ref: 'core.noop', parameters: {} },
});

/** CPU milliseconds (user + system) the process has used so far, from /proc (Linux clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * POSTs over a pool of keep-alive connections with node:http: the load generator shares the
 * machine's two cores with the server, and fetch spent a whole core on 2,000 requests a
 * second where this spends about a fifth of one.
 */
function poster(s: ServerProcess, headers: Record<string, string>): (path: string, body: string) => Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const { hostname, port } = new URL(s.url);
  return (path, body) => new Promise((resolve, reject) => {
    const req = request({ agent, host: hostname, port, path, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A read-only view of the server's SQLite file (WAL: reads never block the server). */
function storeOf(s: ServerProcess): Database.Database {
  return new Database(join(s.home, 'squall.db'), { readonly: true });
}

export async function webhookLatency(opts: { events?: number; nodeArgs?: string[] } = {}): Promise<Figure[]> {
  const events = opts.events ?? 500;
  const s = await spawnServer({ nodeArgs: opts.nodeArgs });
  const db = storeOf(s);
  try {
    await createRules(s, [rule('latency', 'bench/latency', { 'trigger.body.level': { type: 'greaterthan', pattern: 3 } })]);
    const headers = { 'St2-Api-Key': s.apiKey, 'content-type': 'application/json' };
    const sent = new Map<string, number>();
    const acked: number[] = [];
    const warm = 50;
    for (let i = 0; i < warm + events; i++) {
      const t0 = Date.now();
      const p0 = performance.now();
      const res = await fetch(`${s.url}/api/v1/webhooks/bench/latency`, { method: 'POST', headers, body: JSON.stringify({ level: 5, n: i }) });
      const body = (await res.json()) as { id: string };
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(body)}`);
      if (i >= warm) {
        sent.set(body.id, t0);
        acked.push(performance.now() - p0);
      }
      // One event at a time, 20 ms apart: latency, not throughput.
      await sleep(Math.max(0, 20 - (performance.now() - p0)));
    }
    const started = db.prepare(`select json_extract(context, '$.trigger_instance.id') as ti, start_timestamp as st from executions
      where start_timestamp is not null and json_extract(context, '$.rule.ref') = 'bench.latency'`);
    let rows: Array<{ ti: string; st: number }> = [];
    for (let i = 0; i < 500 && rows.filter((r) => sent.has(r.ti)).length < events; i++) {
      await sleep(20);
      rows = started.all() as typeof rows;
    }
    const lat = rows.filter((r) => sent.has(r.ti)).map((r) => r.st - sent.get(r.ti)!);
    if (lat.length !== events) throw new Error(`only ${lat.length} of ${events} executions started`);
    // The floor on this machine right now: a round trip that touches nothing.
    const health: number[] = [];
    for (let i = 0; i < 200; i++) {
      const p0 = performance.now();
      await (await fetch(`${s.url}/api/v1/health`)).arrayBuffer();
      health.push(performance.now() - p0);
      await sleep(5);
    }
    return [
      { name: 'webhook → execution started, p50', unit: 'ms', value: percentile(lat, 50), target: '< 5' },
      { name: 'webhook → execution started, p99', unit: 'ms', value: percentile(lat, 99), target: '< 25' },
      { name: 'webhook POST → 202 (instance committed), p50', unit: 'ms', value: percentile(acked, 50) },
      { name: 'webhook POST → 202 (instance committed), p99', unit: 'ms', value: percentile(acked, 99) },
      { name: 'baseline: GET /health round trip, p50', unit: 'ms', value: percentile(health, 50) },
    ];
  } finally {
    db.close();
    await s.stop();
  }
}

export async function webhookSustained(opts: { seconds?: number; rate?: number; nodeArgs?: string[] } = {}): Promise<Figure[]> {
  const seconds = opts.seconds ?? Number(process.env.SQUALL_BENCH_SUSTAIN_SECONDS ?? 60);
  const rate = opts.rate ?? Number(process.env.SQUALL_BENCH_SUSTAIN_RATE ?? 2000);
  // The scheduler is off: the figure is events → executions created (requested); running
  // 20,000 core.noop executions a second is the executions benchmark's business.
  const s = await spawnServer({ nodeArgs: opts.nodeArgs, extraArgs: ['--roles', 'api,rules'] });
  const db = storeOf(s);
  try {
    const hot = Array.from({ length: 10 }, (_, i) => rule(`hot${i}`, 'bench/hot', { 'trigger.body.level': { type: 'greaterthan', pattern: i } }));
    const cold = Array.from({ length: 990 }, (_, i) => rule(`cold${i}`, `bench/cold${i % 99}`, { 'trigger.body.level': { type: 'greaterthan', pattern: i } }));
    await createRules(s, [...hot, ...cold]);
    const post = poster(s, { 'St2-Api-Key': s.apiKey, 'content-type': 'application/json' });
    let accepted = 0;
    let failed = 0;
    let inFlight = 0;
    const cap = 256;
    // The first seconds of a fresh server (JIT, the first rule index) are a warm-up at the same
    // rate: counted in the totals, not in the sustained rate.
    const warmSeconds = 3;
    const measured = { from: 0, accepted: 0, skipped: 0 };
    let warmSkipped = 0;
    const cpu0 = cpuMs(s.proc.pid!);
    const t0 = performance.now();
    let issued = 0;
    const pending = new Set<Promise<void>>();
    // Open loop: every 10 ms, send what the rate owes by now, with at most `cap` requests in
    // flight (past that the server is not keeping up: the owed events are dropped and
    // counted, and the accepted rate says what it sustained).
    let owedTotal = 0;
    let elapsed: number;
    while ((elapsed = performance.now() - t0) < (warmSeconds + seconds) * 1000) {
      const warm = elapsed < warmSeconds * 1000;
      if (!warm && measured.from === 0) measured.from = performance.now();
      const due = Math.floor((elapsed / 1000) * rate);
      const owed = due - owedTotal;
      owedTotal = due;
      for (let k = 0; k < owed; k++) {
        if (inFlight >= cap) {
          if (warm) warmSkipped += owed - k;
          else measured.skipped += owed - k;
          break;
        }
        inFlight++;
        const n = issued++;
        const p = post('/api/v1/webhooks/bench/hot', JSON.stringify({ level: 10, n }))
          .then((status) => {
            if (status !== 202) return void failed++;
            accepted++;
            if (!warm) measured.accepted++;
          }, () => void failed++)
          .finally(() => {
            inFlight--;
            pending.delete(p);
          });
        pending.add(p);
      }
      await sleep(10);
    }
    await Promise.all(pending);
    const sendSeconds = (performance.now() - t0) / 1000;
    const measuredSeconds = (performance.now() - measured.from) / 1000;
    const sendCpuMs = cpuMs(s.proc.pid!) - cpu0;
    const queued = db.prepare("select count(*) as n from jobs where queue = 'trigger-instances'");
    while ((queued.get() as { n: number }).n > 0) await sleep(200);
    const allSeconds = (performance.now() - t0) / 1000;
    const allCpuMs = cpuMs(s.proc.pid!) - cpu0;
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const instances = one("select count(*) as n from trigger_instances where json_extract(payload, '$.url') = 'bench/hot'");
    const executions = one("select count(*) as n from executions where json_extract(context, '$.rule.ref') like 'bench.hot%'");
    const enforcements = one("select count(*) as n from rule_enforcements where rule_ref like 'bench.hot%' and status = 'succeeded'");
    const equal = instances === accepted && executions === accepted * 10 && enforcements === executions && failed === 0;
    process.stderr.write(`  sustained: ${issued} sent, ${warmSkipped} + ${measured.skipped} not sent (warm-up + measured; ${cap} already in flight), ${accepted} accepted, ${failed} failed, ${instances} instances, ${executions} executions, ${enforcements} enforcements; sent in ${sendSeconds.toFixed(1)} s, all decided after ${allSeconds.toFixed(1)} s\n`);
    return [
      { name: `webhook events accepted (202), ${rate}/s offered for ${seconds} s after ${warmSeconds} s of warm-up, 1,000 rules (10 matching)`, unit: 'events/s', value: measured.accepted / measuredSeconds, target: `≥ ${rate}` },
      { name: `events not sent in those ${seconds} s (${cap} already in flight)`, unit: 'events', value: measured.skipped, target: '0' },
      { name: 'webhook events stored and decided (send + drain)', unit: 'events/s', value: accepted / allSeconds, target: `≥ ${rate}` },
      { name: 'executions created per second (send + drain)', unit: 'exec/s', value: executions / allSeconds },
      { name: 'server CPU while sending, per event accepted (ingestion + the decisions made meanwhile)', unit: 'ms', value: sendCpuMs / accepted },
      { name: 'server CPU in all, per execution created (ingestion + decision)', unit: 'ms', value: allCpuMs / executions },
      { name: 'counts equal (instances = accepted, executions = 10 × accepted = enforcements)', unit: 'yes=1', value: equal ? 1 : 0, target: '1' },
    ];
  } finally {
    db.close();
    await s.stop();
  }
}

export const webhookBenchmarks: Benchmark[] = [
  { name: 'webhook-latency', repeat: 3, run: () => webhookLatency() },
  { name: 'webhook-sustained', repeat: 1, run: () => webhookSustained() },
];
