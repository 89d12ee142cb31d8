// squall workflow inspect FILE · squall workflow run FILE (offline: a throw-away embedded
// instance with the core pack and each --pack; the contract in ARCHITECTURE.md).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SquallError } from '../../errors.js';
import type { RunningServer } from '../../server.js';
import type { Graph } from '../../workflow/index.js';
import { printJson, printTable } from '../output.js';
import { group } from './pack.js';

interface Problem {
  line: number;
  column: number;
  message: string;
  severity: 'error' | 'warning';
}

interface TaskReport {
  name: string;
  status: string;
  result: unknown;
  attempt: number;
  start_timestamp: string;
  end_timestamp: string | null;
}

interface RunReport {
  status: string;
  output: unknown;
  errors: unknown[];
  tasks: TaskReport[];
}

const place = (file: string, p: Problem) => `${file}:${p.line}:${p.column}: ${p.severity}: ${p.message}`;

async function inspect(file: string, o: { json?: boolean }): Promise<void> {
  const { inspectWorkflow } = await import('../../workflow/index.js');
  const problems = inspectWorkflow(readFileSync(file, 'utf8'));
  if (o.json) printJson(problems.map((p) => ({ file, ...p })));
  else if (problems.length === 0) process.stdout.write(`${file}: no problems\n`);
  else for (const p of problems) process.stdout.write(place(file, p) + '\n');
  process.exitCode = problems.some((p) => p.severity === 'error') ? 1 : 0;
}

/** A one-action pack around the workflow file, so it runs exactly as a registered workflow would. */
function wrapInPack(dir: string, file: string, inputs: readonly string[]): string {
  const packDir = join(dir, 'pack');
  mkdirSync(join(packDir, 'actions', 'workflows'), { recursive: true });
  writeFileSync(join(packDir, 'pack.yaml'), 'name: squall_workflow_run\nversion: 0.0.1\ndescription: squall workflow run\nauthor: squall\nemail: squall@localhost\n');
  copyFileSync(file, join(packDir, 'actions', 'workflows', basename(file)));
  // Inputs are the workflow's own: untyped, optional, defaulted by the workflow itself.
  const parameters = Object.fromEntries(inputs.map((name) => [name, {}]));
  writeFileSync(join(packDir, 'actions', 'workflow.yaml'), JSON.stringify({
    name: 'workflow', runner_type: 'orquesta', entry_point: `workflows/${basename(file)}`, parameters,
  }));
  return packDir;
}

function rejected(errors: unknown[], json: boolean | undefined): void {
  if (json) printJson({ status: 'rejected', output: null, errors, tasks: [] });
  else for (const e of errors) process.stderr.write(`error: ${typeof e === 'string' ? e : JSON.stringify(e)}\n`);
  process.exitCode = 2;
}

/** The workflow's graph and input, or why it is rejected. */
async function prepare(path: string, file: string, inputJson: string | undefined): Promise<{ graph: Graph; input: Record<string, unknown> } | { errors: string[] }> {
  const { compileOrquesta } = await import('../../workflow/index.js');
  try {
    const graph = compileOrquesta(readFileSync(path, 'utf8'), file);
    const input: unknown = inputJson ? JSON.parse(inputJson) : {};
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SquallError('PARAMETERS_INVALID', '--input must be a JSON object');
    return { graph, input: input as Record<string, unknown> };
  } catch (err) {
    const details = (err as SquallError).details as Problem[] | undefined;
    return { errors: details ? details.filter((p) => p.severity === 'error').map((p) => place(file, p)) : [(err as Error).message] };
  }
}

/** Tasks naming an action that neither the core pack nor a --pack has (st2 rejects those when the workflow starts). */
async function unregisteredActions(server: RunningServer, graph: Graph, file: string): Promise<string[]> {
  const out: string[] = [];
  for (const t of graph.tasks) {
    if (t.action === null || /<%|\{\{/.test(t.action)) continue;
    const known = await server.store.read((tx) => server.executions.findAction(tx, t.action!)).then(() => true, (err: unknown) => {
      if (err instanceof SquallError && err.code === 'ACTION_NOT_FOUND') return false;
      throw err;
    });
    const pos = t.actionPos ?? t.pos;
    if (!known) out.push(place(file, { ...pos, severity: 'error', message: `task ${t.name}: action ${t.action} is not registered (load its pack with --pack DIR)` }));
  }
  return out;
}

async function runOffline(file: string, o: { input?: string; pack: string[]; json?: boolean }): Promise<void> {
  const path = resolve(file);
  const prepared = await prepare(path, file, o.input);
  if ('errors' in prepared) return rejected(prepared.errors, o.json);
  const home = mkdtempSync(join(tmpdir(), 'squall-workflow-'));
  try {
    const { loadConfig } = await import('../../config/index.js');
    const { startServer } = await import('../../server.js');
    let server: RunningServer;
    try {
      // No API listens here: ctx(st2).api_url names where the configured one would be, as st2's does.
      server = await startServer(loadConfig({
        roles: ['scheduler', 'workflow'], logLevel: 'silent', retentionDays: 0,
        packs: [wrapInPack(home, path, prepared.graph.input.map((p) => p.name)), ...o.pack.map((p) => resolve(p))],
      }, { SQUALL_HOME: home }));
    } catch (err) {
      if (err instanceof SquallError) return rejected([err.message], o.json);
      throw err;
    }
    try {
      await runIn(server, file, prepared, o.json);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function runIn(server: RunningServer, file: string, prepared: { graph: Graph; input: Record<string, unknown> }, json: boolean | undefined): Promise<void> {
  const { requestExecution } = await import('../../executions/service.js');
  const { runReport, waitForEnd } = await import('../../workflow/report.js');
  const unknown = await unregisteredActions(server, prepared.graph, file);
  if (unknown.length > 0) return rejected(unknown, json);
  let id: string;
  try {
    id = (await requestExecution(server.executions, { action: 'squall_workflow_run.workflow', parameters: prepared.input, context: { source: 'cli' } })).id;
  } catch (err) {
    if (err instanceof SquallError && err.code === 'PARAMETERS_INVALID') return rejected([err.message], json);
    throw err;
  }
  const progress = !json && process.stderr.isTTY;
  await waitForEnd(server.executions, id, progress ? (line) => process.stderr.write(line + '\n') : undefined);
  const report: RunReport = await runReport(server.executions, id);
  if (json) printJson(report);
  else {
    printTable(report.tasks.map((t) => ({ task: t.name, status: t.status, attempt: t.attempt })), ['task', 'status', 'attempt']);
    process.stdout.write(`status: ${report.status}\noutput: ${JSON.stringify(report.output, null, 2)}\n`);
    if (report.errors.length) process.stdout.write(`errors: ${JSON.stringify(report.errors, null, 2)}\n`);
  }
  process.exitCode = report.status === 'succeeded' ? 0 : 1;
}

export function registerWorkflowCommands(program: Command): void {
  const wf = group(program, 'workflow', 'workflows (Orquesta)');
  wf.command('inspect <file>')
    .description('check a workflow spec; prints every problem with line and column (exit 1 on errors)')
    .option('--json', 'JSON output')
    .action(inspect);
  wf.command('run <file>')
    .description('run a workflow to completion offline, in a throw-away embedded instance')
    .option('--input <json>', 'workflow input as a JSON object')
    .option('--pack <dir>', 'also load this pack directory (repeatable)', (dir: string, dirs: string[]) => [...dirs, dir], [])
    .option('--json', 'print {status, output, errors, tasks} as one JSON object')
    .action(runOffline);
}
