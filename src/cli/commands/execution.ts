// squall run / action execute / execution list|get|tail|cancel|re-run
import type { Command } from 'commander';
import { SquallError } from '../../errors.js';
import { isTerminal, type ExecutionStatus } from '../../executions/status.js';
import type { ItemView, TaskView, WorkflowView } from '../../workflow/view.js';
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

/** A task execution with, when its action is a workflow, that workflow's own task executions under it. */
type TaskTree = Omit<TaskView, 'items'> & { tasks?: TaskTree[]; items: Array<ItemView & { tasks?: TaskTree[] }> | null };

/** Workflow `id`'s task executions in start order, child workflows' tasks nested under their task (or item). */
async function taskTree(client: ApiClient, id: string): Promise<TaskTree[]> {
  let view: WorkflowView;
  try {
    view = await client.get<WorkflowView>(`/executions/${id}/workflow`);
  } catch (err) {
    // A child workflow requested but not started yet has no tasks so far.
    if (err instanceof SquallError && err.code === 'NOT_FOUND') return [];
    throw err;
  }
  const below = async <T extends { execution_id: string | null }>(x: T, isWorkflow: boolean) =>
    isWorkflow && x.execution_id !== null ? { ...x, tasks: await taskTree(client, x.execution_id) } : x;
  return Promise.all(view.tasks.map(async (t) => {
    const isWorkflow = t.runner_type === 'orquesta';
    const items = t.items && (await Promise.all(t.items.map((i) => below(i, isWorkflow))));
    return below({ ...t, items }, isWorkflow && items === null);
  }));
}

const seconds = (t: { start_timestamp: string; end_timestamp: string | null }) =>
  t.end_timestamp ? ((Date.parse(t.end_timestamp) - Date.parse(t.start_timestamp)) / 1000).toFixed(3) : '';

/** Table rows of a task tree, a child workflow's tasks indented under their task. */
function treeRows(tasks: readonly TaskTree[], depth = 0): Array<Record<string, unknown>> {
  const indent = '  '.repeat(depth);
  return tasks.flatMap((t) => [
    { task: indent + t.name + (t.items === null ? '' : ` (${t.items.length} items)`), status: t.status, started: t.start_timestamp, seconds: seconds(t) },
    ...treeRows(t.tasks ?? [], depth + 1),
    ...(t.items ?? []).filter((i) => i.tasks).flatMap((i) => [
      { task: `${indent}  item ${i.item}`, status: i.status },
      ...treeRows(i.tasks!, depth + 2),
    ]),
  ]);
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
    .description('one execution with its result; a workflow with its task tree (child workflows nested)')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean }) => {
      const client = makeClient();
      const e = await client.get<ApiExecution>(`/executions/${id}`);
      const tasks = e.runner_type === 'orquesta' ? await taskTree(client, id) : undefined;
      if (o.json) return printJson(tasks ? { ...e, tasks } : e);
      printExecution(e);
      if (tasks) {
        process.stdout.write('tasks:\n');
        printTable(treeRows(tasks), ['task', 'status', 'started', 'seconds']);
      }
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
