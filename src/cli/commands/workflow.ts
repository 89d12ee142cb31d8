// squall workflow inspect FILE · squall workflow run FILE (offline: a throw-away embedded
// instance with the core pack and each --pack; the contract in ARCHITECTURE.md).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SquallError } from '../../errors.js';
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

async function runOffline(file: string, o: { input?: string; pack?: string[]; json?: boolean }): Promise<void> {
  const path = resolve(file);
  const { compileOrquesta } = await import('../../workflow/index.js');
  let input: Record<string, unknown>;
  let inputs: string[];
  try {
    inputs = compileOrquesta(readFileSync(path, 'utf8'), file).input.map((p) => p.name);
    input = o.input ? JSON.parse(o.input) : {};
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SquallError('PARAMETERS_INVALID', '--input must be a JSON object');
  } catch (err) {
    const details = (err as SquallError).details as Problem[] | undefined;
    return rejected(details ? details.filter((p) => p.severity === 'error').map((p) => place(file, p)) : [(err as Error).message], o.json);
  }
  const home = mkdtempSync(join(tmpdir(), 'squall-workflow-'));
  const { loadConfig } = await import('../../config/index.js');
  const { startServer } = await import('../../server.js');
  const { requestExecution } = await import('../../executions/service.js');
  const { runReport, waitForEnd } = await import('../../workflow/report.js');
  const server = await startServer(loadConfig({
    roles: ['scheduler', 'workflow'], logLevel: 'silent', port: 0, retentionDays: 0,
    packs: [wrapInPack(home, path, inputs), ...(o.pack ?? []).map((p) => resolve(p))],
  }, { SQUALL_HOME: home }));
  try {
    let id: string;
    try {
      id = (await requestExecution(server.executions, { action: 'squall_workflow_run.workflow', parameters: input, context: { source: 'cli' } })).id;
    } catch (err) {
      if (err instanceof SquallError && err.code === 'PARAMETERS_INVALID') return rejected([err.message], o.json);
      throw err;
    }
    const progress = !o.json && process.stderr.isTTY;
    await waitForEnd(server.executions, id, progress ? (line) => process.stderr.write(line + '\n') : undefined);
    const report: RunReport = await runReport(server.executions, id);
    if (o.json) printJson(report);
    else {
      printTable(report.tasks.map((t) => ({ task: t.name, status: t.status, attempt: t.attempt })), ['task', 'status', 'attempt']);
      process.stdout.write(`status: ${report.status}\noutput: ${JSON.stringify(report.output, null, 2)}\n`);
      if (report.errors.length) process.stdout.write(`errors: ${JSON.stringify(report.errors, null, 2)}\n`);
    }
    process.exitCode = report.status === 'succeeded' ? 0 : 1;
  } finally {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
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
    .option('--pack <dir...>', 'also load these pack directories')
    .option('--json', 'print {status, output, errors, tasks} as one JSON object')
    .action(runOffline);
}
