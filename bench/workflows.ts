// Issue 4's figures, end to end through a real server on the embedded store: a long
// sequence, a wide with-items fan-out, a 50-branch join, and the per-transition overhead.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { EXECUTION_CHANNEL, type ExecutionEvent } from '../src/executions/events.js';
import { transition } from '../src/executions/lifecycle.js';
import { requestExecution } from '../src/executions/service.js';
import { isTerminal } from '../src/executions/status.js';
import { getExecution } from '../src/store/executions.js';
import { startServer } from '../src/server.js';
import { spawnServer, type ServerProcess } from './server-process.js';
import { median, type Benchmark, type Figure } from './harness.js';

/** A loop of `n` core.noop tasks: one task run again n times through a cycle, as Orquesta allows. */
export const LOOP_WORKFLOW = `version: 1.0
input: [n]
vars: [{i: 0}]
tasks:
  begin:
    next:
      - do: step
  step:
    action: core.noop
    next:
      - when: <% ctx().i + 1 < ctx().n %>
        publish: i=<% ctx().i + 1 %>
        do: step
`;

/** The benchmark pack: a long sequence (a loop, and distinct tasks), a wide fan-out and a 50-branch join (also for profiling by hand). */
export function benchPack(): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-wfbench-'));
  mkdirSync(join(dir, 'actions', 'workflows'), { recursive: true });
  writeFileSync(join(dir, 'pack.yaml'), 'name: wfbench\nversion: 1.0.0\ndescription: workflow benchmarks\nauthor: bench\nemail: bench@localhost\n');
  const action = (name: string, params = '') =>
    writeFileSync(join(dir, 'actions', `${name}.yaml`), `name: ${name}\nrunner_type: orquesta\nentry_point: workflows/${name}.yaml\n${params}`);
  // A loop of N core.noop tasks: one task run again N times (a cycle), as Orquesta allows.
  action('sequence', 'parameters:\n  n:\n    type: integer\n    default: 1000\n');
  writeFileSync(join(dir, 'actions', 'workflows', 'sequence.yaml'), LOOP_WORKFLOW);
  // The same length as distinct tasks t0 → t1 → … → t999 (generated), so the graph and the state grow with it.
  action('chain');
  const chain = Array.from({ length: 1000 }, (_, i) => `  t${i}:\n    action: core.noop\n${i < 999 ? `    next:\n      - do: t${i + 1}\n` : ''}`);
  writeFileSync(join(dir, 'actions', 'workflows', 'chain.yaml'), `version: 1.0\ntasks:\n${chain.join('')}`);
  action('fanout', 'parameters:\n  n:\n    type: integer\n    default: 10000\n');
  writeFileSync(join(dir, 'actions', 'workflows', 'fanout.yaml'), `version: 1.0
input: [n]
tasks:
  each:
    with:
      items: <% range(ctx().n) %>
      concurrency: 100
    action: core.noop
`);
  const branches = Array.from({ length: 50 }, (_, i) => `b${i}`);
  action('join');
  writeFileSync(join(dir, 'actions', 'workflows', 'join.yaml'), `version: 1.0
tasks:
  start:
    action: core.noop
    next:
      - do: [${branches.join(', ')}]
${branches.map((b) => `  ${b}:\n    action: core.noop\n    next:\n      - do: joined\n`).join('')}  joined:
    join: all
    action: core.noop
`);
  return dir;
}

async function runToEnd(s: ServerProcess, action: string, parameters: Record<string, unknown> = {}): Promise<{ ms: number; e: { id: string; status: string } }> {
  const headers = { 'St2-Api-Key': s.apiKey, 'content-type': 'application/json' };
  const t0 = performance.now();
  const created = (await (await fetch(`${s.url}/api/v1/executions`, { method: 'POST', headers, body: JSON.stringify({ action, parameters }) })).json()) as { id: string };
  for (;;) {
    const e = (await (await fetch(`${s.url}/api/v1/executions/${created.id}`, { headers })).json()) as { id: string; status: string };
    if (!['requested', 'scheduled', 'running'].includes(e.status)) {
      if (e.status !== 'succeeded') throw new Error(`${action} ended ${e.status}`);
      return { ms: performance.now() - t0, e };
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const workflowBenchmarks: Benchmark[] = [{
  name: 'workflows-sqlite',
  repeat: 3,
  async run() {
    const s = await spawnServer();
    try {
      const pack = benchPack();
      await fetch(`${s.url}/api/v1/packs/register`, { method: 'POST', headers: { 'St2-Api-Key': s.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ path: pack }) });
      await runToEnd(s, 'wfbench.join'); // warm-up
      const seq = await runToEnd(s, 'wfbench.sequence', { n: 1000 });
      const chain = await runToEnd(s, 'wfbench.chain');
      const rssBefore = s.rssMb();
      const fan = await runToEnd(s, 'wfbench.fanout', { n: 10_000 });
      const join = await runToEnd(s, 'wfbench.join');
      const views = (await (await fetch(`${s.url}/api/v1/executions/${join.e.id}/workflow`, { headers: { 'St2-Api-Key': s.apiKey } })).json()) as { tasks: Array<{ name: string }> };
      if (views.tasks.filter((t) => t.name === 'joined').length !== 1) throw new Error('the join ran more than once');
      return [
        { name: '1,000 sequential core.noop tasks, end to end', unit: 's', value: seq.ms / 1000, target: '< 3' },
        { name: 'per task, end to end (dispatch + noop + transition)', unit: 'ms', value: seq.ms / 1000 },
        { name: '1,000 distinct core.noop tasks in sequence (t0 → … → t999), end to end', unit: 's', value: chain.ms / 1000, target: '< 3' },
        { name: 'with-items 10,000 × core.noop, concurrency 100', unit: 's', value: fan.ms / 1000, target: '< 20' },
        { name: 'RSS growth during the 10,000-item fan-out', unit: 'MB', value: s.rssMb() - rssBefore },
        { name: '50 parallel branches + join: all', unit: 'ms', value: join.ms, target: '< 200' },
      ];
    } finally {
      await s.stop();
    }
  },
}];

/**
 * The engine alone, in process, with no scheduler: each step ends one requested task execution
 * (requested → scheduled → running → succeeded, as the scheduler would) in one transaction, in
 * which the workflow runtime applies the event, saves the state and requests the next task.
 * Returns the milliseconds of each step.
 */
async function engineSteps(workflow: string, parameters: Record<string, unknown>): Promise<number[]> {
  const home = mkdtempSync(join(tmpdir(), 'squall-engine-'));
  const config = loadConfig({ port: 0, logLevel: 'silent', db: join(home, 'squall.db'), roles: ['workflow'], packs: [benchPack()] }, { SQUALL_HOME: home });
  const server = await startServer(config);
  const deps = server.executions;
  try {
    const ready: string[] = [];
    let wake: () => void = () => undefined;
    const off = deps.store.listen(EXECUTION_CHANNEL, (payload) => {
      const ev = JSON.parse(payload) as ExecutionEvent;
      if (ev.status === 'requested' && ev.parent_id) {
        ready.push(ev.id);
        wake();
      }
    });
    const wf = await requestExecution(deps, { action: workflow, parameters });
    const action = await deps.store.read((tx) => deps.findAction(tx, workflow));
    await deps.store.tx(async (tx) => transition(tx, deps, wf, 'scheduled'));
    await deps.runners.get('orquesta')!.run({
      executionId: wf.id, action, packDir: await deps.store.read((tx) => deps.packDir(tx, action.pack)),
      parameters: wf.parameters, signal: new AbortController().signal, output: () => undefined, log: deps.log,
    });
    const steps: number[] = [];
    for (;;) {
      const id = ready.shift();
      if (!id) {
        const e = await deps.store.read((tx) => getExecution(tx, wf.id));
        if (isTerminal(e!.status)) break;
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      const t0 = performance.now();
      await deps.store.tx(async (tx) => {
        const child = (await getExecution(tx, id))!;
        const scheduled = await transition(tx, deps, child, 'scheduled');
        const running = await transition(tx, deps, scheduled, 'running', { start_timestamp: deps.now(), attempt: 1 });
        await transition(tx, deps, running, 'succeeded', { result: null, end_timestamp: deps.now() });
      });
      steps.push(performance.now() - t0);
    }
    off();
    const e = await deps.store.read((tx) => getExecution(tx, wf.id));
    if (e!.status !== 'succeeded') throw new Error(`${workflow} ended ${e!.status}`);
    return steps;
  } finally {
    await server.close();
  }
}

workflowBenchmarks.push({
  name: 'workflow-engine-sqlite',
  repeat: 3,
  async run(): Promise<Figure[]> {
    const seq = await engineSteps('wfbench.sequence', { n: 1000 });
    const chain = await engineSteps('wfbench.chain', {});
    const fan = await engineSteps('wfbench.fanout', { n: 10_000 });
    return [
      { name: 'engine overhead per task transition (1,000-task sequence; conductor + state save + next task requested, one transaction)', unit: 'ms', value: median(seq), target: '< 1' },
      { name: 'the same, 1,000 distinct tasks in sequence', unit: 'ms', value: median(chain), target: '< 1' },
      { name: 'the same per with-items item, first 1,000 of 10,000', unit: 'ms', value: median(fan.slice(0, 1000)) },
      { name: 'the same per with-items item, last 1,000 of 10,000', unit: 'ms', value: median(fan.slice(-1000)) },
    ];
  },
});
