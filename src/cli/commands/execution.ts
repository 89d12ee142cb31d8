// squall run / action execute / execution list|get|tail|cancel|re-run
import type { Command } from 'commander';
import { SquallError } from '../../errors.js';
import { isTerminal, type ExecutionStatus } from '../../executions/status.js';
import { makeClient, type ApiClient } from '../client.js';
import { printJson, printRecord, printTable } from '../output.js';
import { group } from './pack.js';

interface ApiExecution {
  id: string;
  action: string;
  status: ExecutionStatus;
  parameters: Record<string, unknown>;
  result: unknown;
  start_timestamp: string | null;
  end_timestamp: string | null;
  elapsed_seconds: number | null;
  [k: string]: unknown;
}

/** key=value arguments; values stay strings and the server coerces them by the action's schema. */
export function parseKeyValues(args: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw new SquallError('PARAMETERS_INVALID', `expected key=value, got "${a}"`, { field: a });
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

/** Follows one execution over the stream until it ends; live output goes to stdout/stderr when `echo`. */
export async function waitFor(client: ApiClient, id: string, echo: boolean): Promise<ApiExecution> {
  let last: ApiExecution | undefined;
  const printed = new Set<number>();
  const started = Date.now();
  const progress = echo && process.stderr.isTTY
    ? setInterval(() => process.stderr.write(`\r\x1b[2K${id} ${last?.status ?? 'requested'} ${((Date.now() - started) / 1000).toFixed(1)}s`), 250)
    : undefined;
  try {
    await client.stream(`execution=${id}`, (event, data) => {
      if (event === 'st2.execution.output__create') {
        const l = data as { seq: number; stream: string; data: string };
        if (echo && !printed.has(l.seq)) {
          printed.add(l.seq);
          if (progress) process.stderr.write('\r\x1b[2K');
          (l.stream === 'stderr' ? process.stderr : process.stdout).write(l.data + '\n');
        }
        return false;
      }
      last = data as ApiExecution;
      return isTerminal(last.status);
    });
  } finally {
    if (progress) {
      clearInterval(progress);
      process.stderr.write('\r\x1b[2K');
    }
  }
  // The stream can close early (server restart): the execution itself is the source of truth.
  return last && isTerminal(last.status) ? last : client.get<ApiExecution>(`/executions/${id}`);
}

function printExecution(e: ApiExecution): void {
  printRecord({
    id: e.id, action: e.action, status: e.status, parameters: e.parameters,
    start_timestamp: e.start_timestamp, end_timestamp: e.end_timestamp, elapsed_seconds: e.elapsed_seconds, result: e.result,
  });
}

/** A workflow's task executions, in start order, with statuses and durations. */
async function printTaskTree(client: ApiClient, id: string): Promise<void> {
  const view = await client.get<{ tasks: Array<{ id: number; name: string; status: string; start_timestamp: string; end_timestamp: string | null; items: number | null }> }>(`/executions/${id}/workflow`);
  const rows = view.tasks.map((t) => ({
    task: t.name + (t.items === null ? '' : ` (${t.items} items)`),
    status: t.status,
    started: t.start_timestamp,
    seconds: t.end_timestamp ? ((Date.parse(t.end_timestamp) - Date.parse(t.start_timestamp)) / 1000).toFixed(3) : '',
  }));
  process.stdout.write('tasks:\n');
  printTable(rows, ['task', 'status', 'started', 'seconds']);
}

async function runAction(action: string, kv: string[], opts: { json?: boolean; async?: boolean }): Promise<void> {
  const client = makeClient();
  const created = await client.post<ApiExecution>('/executions', { action, parameters: parseKeyValues(kv), context: { source: 'cli' } });
  if (opts.async) {
    if (opts.json) printJson(created);
    else process.stdout.write(`${created.id}\n  to see its result: squall execution get ${created.id}\n`);
    return;
  }
  const done = await waitFor(client, created.id, !opts.json);
  if (opts.json) printJson(done);
  else printExecution(done);
  process.exitCode = done.status === 'succeeded' ? 0 : 1;
}

export function registerExecutionCommands(program: Command): void {
  const runOptions = (c: Command) => c
    .argument('<action>', 'action ref, e.g. core.local')
    .argument('[params...]', 'parameters as key=value')
    .option('--json', 'print the execution as one JSON object')
    .option('--async', 'do not wait; print the execution id')
    .action(runAction);
  runOptions(program.command('run').description('run an action and wait for its result'));

  const action = group(program, 'action', 'actions');
  runOptions(action.command('execute').description('run an action (same as `squall run`)'));

  const ex = program.command('execution').alias('executions').description('action executions');
  ex.command('list')
    .description('latest executions, newest first')
    .option('-a, --action <ref>', 'only this action')
    .option('-s, --status <status>', 'only this status')
    .option('-n, --limit <n>', 'how many', '50')
    .option('--offset <n>', 'skip this many', '0')
    .option('--json', 'JSON output')
    .action(async (o: { action?: string; status?: string; limit: string; offset: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: o.limit, offset: o.offset });
      if (o.action) q.set('action', o.action);
      if (o.status) q.set('status', o.status);
      const list = await makeClient().get<ApiExecution[]>(`/executions?${q}`);
      if (o.json) return printJson(list);
      printTable(list, ['id', 'action', 'status', 'start_timestamp', 'elapsed_seconds']);
    });
  ex.command('get <id>')
    .description('one execution with its result')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean }) => {
      const client = makeClient();
      const e = await client.get<ApiExecution>(`/executions/${id}`);
      if (o.json) return printJson(e);
      printExecution(e);
      if (e.runner_type === 'orquesta') await printTaskTree(client, id);
    });
  ex.command('tail <id>')
    .description('follow the live output of an execution until it ends')
    .option('--json', 'print only the final execution, as JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const e = await waitFor(makeClient(), id, !o.json);
      if (o.json) printJson(e);
      else process.stdout.write(`execution ${id} ${e.status}\n`);
      process.exitCode = e.status === 'succeeded' ? 0 : 1;
    });
  ex.command('cancel <id>')
    .description('cancel an execution (a running one is killed)')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean }) => {
      const e = await makeClient().delete<ApiExecution>(`/executions/${id}`);
      if (o.json) printJson(e);
      else process.stdout.write(`execution ${id} ${e.status}\n`);
    });
  for (const verb of ['pause', 'resume'] as const) {
    ex.command(`${verb} <id>`)
      .description(`${verb} a workflow execution (and its running child workflows)`)
      .option('--json', 'JSON output')
      .action(async (id: string, o: { json?: boolean }) => {
        const e = await makeClient().post<ApiExecution>(`/executions/${id}/${verb}`);
        if (o.json) printJson(e);
        else process.stdout.write(`execution ${id} ${e.status}\n`);
      });
  }
  ex.command('re-run <id>')
    .description('run the same action again with the same parameters (key=value overrides); a workflow with --tasks goes on from those tasks')
    .argument('[params...]', 'parameters to override')
    .option('--tasks [names]', 'workflow: re-run from these tasks (comma-separated; none named: the failed tasks), keeping what earlier tasks published')
    .option('--no-reset <names>', 'with-items tasks (comma-separated) that re-run only their failed items instead of all')
    .option('--json', 'JSON output')
    .option('--async', 'do not wait')
    .action(async (id: string, kv: string[], o: { json?: boolean; async?: boolean; tasks?: string | true; reset: string | boolean }) => {
      const client = makeClient();
      const created = await client.post<ApiExecution>(`/executions/${id}/re_run`, { parameters: parseKeyValues(kv), ...fromTasks(o) });
      const done = o.async ? created : await waitFor(client, created.id, !o.json);
      if (o.json) printJson(done);
      else printExecution(done);
      if (!o.async) process.exitCode = done.status === 'succeeded' ? 0 : 1;
    });
}

const names = (list: string) => list.split(',').map((n) => n.trim()).filter((n) => n !== '');

/** st2 CLI: `--tasks` with `reset` = the named tasks but those under `--no-reset` (commander files `--no-reset X` as reset: X). */
function fromTasks(o: { tasks?: string | true; reset: string | boolean }): { tasks?: string[]; reset?: string[] } {
  if (o.tasks === undefined) return typeof o.reset === 'string' ? { reset: [] } : {};
  const tasks = o.tasks === true ? [] : names(o.tasks);
  const keep = typeof o.reset === 'string' ? names(o.reset) : [];
  return { tasks, reset: tasks.filter((t) => !keep.includes(t)) };
}
