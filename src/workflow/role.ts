// The workflow runtime around the pure conductor: the `orquesta` runner starts a workflow
// execution, and every event (a task execution ended, paused or ran again; pause, resume,
// cancel) is applied in ONE transaction that locks the state, advances the conductor, saves
// the state and carries out the commands (child executions requested, children canceled,
// the workflow's own status changed). Kill the process anywhere: either all of it happened
// or none of it, and the event is still there to apply.
//
// A workflow acts as the user who started it (StackStorm's model): each task's action is
// checked against that user's permissions before it is requested (a task the user may not
// run fails FORBIDDEN, nothing runs), and st2kv reads the datastore as that user.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KvReader } from '../datastore/template.js';
import { referencedKeys, textsIn } from '../datastore/template.js';
import { SquallError } from '../errors.js';
import type { EvalEnv } from '../expr/functions.js';
import type { ControlRequest, ExecutionDeps, RunControl } from '../executions/deps.js';
import { transition } from '../executions/lifecycle.js';
import type { Execution, RerunTasks } from '../executions/model.js';
import { createRedactor } from '../executions/redact.js';
import { controlIn, requestIn } from '../executions/service.js';
import { isTerminal, type ExecutionStatus } from '../executions/status.js';
import * as rows from '../store/executions.js';
import type { Tx } from '../store/types.js';
import * as states from '../store/workflows.js';
import type { Runner, RunOutcome } from '../runners/types.js';
import { compileOrquesta, inspectWorkflow } from './index.js';
import { advance, rerun, start } from './conductor.js';
import type { Graph } from './graph.js';
import { decodeState, encodeState, readWorkflow, type Saved } from './persist.js';
import type { Advance, FinishStatus, WorkflowCommand, WorkflowEvent, WorkflowState } from './state.js';
import { dropTimeout, scheduleTimeout } from './timeouts.js';

/** Where a child execution sits in its parent workflow (kept in the child's context). */
export interface TaskLink {
  execution_id: string;
  task: string;
  run: number;
  item: number | null;
  /** Set on the one re-dispatch of a task action whose node died while running it. */
  relaunched?: boolean;
  /** The task's timeout, when it has one. */
  timeout_seconds?: number;
}

export interface WorkflowRuntime {
  runner: Runner;
  control: RunControl;
  onChildFinished(tx: Tx, child: Execution): Promise<void>;
  onChildStatus(tx: Tx, child: Execution): Promise<void>;
  /** Ends started workflow `e` with status timeout (its `timeout` ran out). */
  timeOut(tx: Tx, e: Execution, seconds: number): Promise<void>;
}

/** What the runtime needs to act as a workflow's user (server.ts passes the auth module's checks). */
export interface WorkflowAccess {
  /** Whether `user` (null: the system) may run action `ref` (RBAC action:execute). */
  mayExecute(user: string | null, ref: string, tx?: Tx): Promise<boolean>;
  /** st2kv in the workflow's expressions, reading the datastore as the workflow's user. */
  kv: KvReader;
  /** The API's public URL: ctx(st2).api_url in a workflow (st2's get_full_public_api_url). */
  apiUrl(): string;
}

const LIVE_CACHE = 500;

/** A workflow as this node last saved or read it; valid while the stored version token is `version`. */
interface Live {
  version: string;
  graph: Graph;
  state: WorkflowState;
  saved: Saved | null;
  /** Who started the workflow (context.user; null: the system), once read. */
  user?: string | null;
}

/** Statuses of a workflow execution that the conductor's workflow-status command maps to. */
const WORKFLOW_STATUS: Record<'pausing' | 'paused' | 'canceling' | 'running', ExecutionStatus> = {
  pausing: 'pausing', paused: 'paused', canceling: 'canceling', running: 'running',
};

function linkOf(e: Execution): TaskLink | null {
  const w = e.context.workflow as TaskLink | undefined;
  return w && typeof w.execution_id === 'string' ? w : null;
}

/** The user an execution acts as: who started it (context.user), or null for the system. */
function userOf(e: Execution): string | null {
  return typeof e.context.user === 'string' ? e.context.user : null;
}

function finishStatus(s: ExecutionStatus): FinishStatus {
  return s === 'succeeded' || s === 'failed' || s === 'timeout' || s === 'abandoned' ? s : 'canceled';
}

export function createWorkflowRuntime(deps: ExecutionDeps, access: WorkflowAccess): WorkflowRuntime {
  // Compiled specs by file and mtime, and running workflows by execution id: an event on a
  // workflow this node saved last (its version token unchanged in the store) reads nothing
  // but the token, and saves only the parts of the state it changed. The token is unique per
  // save on any node, so a save rolled back or made elsewhere is always noticed.
  const specs = new Map<string, { mtimeMs: number; graph: Graph }>();
  // The datastore names each graph's expressions read; null when they never use st2kv.
  const kvNames = new WeakMap<Graph, string[] | null>();
  const live = new Map<string, Live>();
  const tokenPrefix = randomBytes(6).toString('hex');
  let saves = 0;

  async function compileFile(path: string): Promise<Graph> {
    const { mtimeMs } = await stat(path);
    const hit = specs.get(path);
    if (hit && hit.mtimeMs === mtimeMs) return hit.graph;
    const graph = compileOrquesta(await readFile(path, 'utf8'), path);
    specs.set(path, { mtimeMs, graph });
    return graph;
  }

  function remember(id: string, entry: Live): Live {
    live.delete(id);
    if (live.size >= LIVE_CACHE) live.delete(live.keys().next().value!);
    live.set(id, entry);
    return entry;
  }

  /** Locks workflow `id` and returns its graph and state (undefined: not started yet, or purged). */
  async function load(tx: Tx, id: string): Promise<Live | undefined> {
    const version = await states.lockWorkflowVersion(tx, id);
    if (version === undefined) return undefined;
    const hit = live.get(id);
    if (hit && hit.version === version) return hit;
    const row = (await states.readWorkflowState(tx, id, !hit))!;
    const { state, saved } = decodeState(row.state, await states.readStateParts(tx, id));
    return remember(id, { version, graph: hit?.graph ?? (JSON.parse(row.graph) as Graph), state, saved });
  }

  /** Saves what changed in `entry.state` under a new version token. */
  async function save(tx: Tx, id: string, entry: Live, insert = false): Promise<void> {
    const { header, parts, saved } = encodeState(entry.state, entry.saved);
    entry.version = `${tokenPrefix}.${++saves}`;
    if (insert) await states.insertWorkflowState(tx, id, JSON.stringify(entry.graph), header!, entry.version, deps.now());
    await states.saveWorkflowState(tx, id, insert ? null : header, entry.version, parts, deps.now());
    entry.saved = saved;
  }

  /**
   * Runs the conductor step `fn` with st2kv reading the datastore as the workflow's user (asked
   * of `who` only when the graph uses st2kv). A key named only at run time makes the reader run
   * `fn` again (`again`) once the key is loaded.
   */
  async function conduct<T>(
    tx: Tx, graph: Graph, who: () => Promise<string | null>, fn: (env: EvalEnv, again: boolean) => T | Promise<T>,
  ): Promise<T> {
    let names = kvNames.get(graph);
    if (names === undefined) {
      const texts = textsIn(graph).filter((t) => t.includes('st2kv'));
      names = texts.length ? referencedKeys(...texts) : null;
      kvNames.set(graph, names);
    }
    if (names === null) return fn({}, false);
    return access.kv(tx, await who(), names, (kv, again) => fn({ kv }, again));
  }

  /** Applies one event to workflow `id` and carries out what the conductor decided. */
  async function apply(tx: Tx, id: string, event: WorkflowEvent): Promise<void> {
    let entry = await load(tx, id);
    if (!entry || entry.state.ended) return; // not started yet (its start will see the child), purged, or over
    let commands: readonly WorkflowCommand[];
    try {
      // Read once per workflow on this node: the state holds a copy of the user (ctx().st2.user), but input can shadow it.
      const who = async () => {
        if (entry!.user === undefined) entry!.user = userOf((await rows.getExecution(tx, id))!);
        return entry!.user;
      };
      commands = await conduct(tx, entry.graph, who, async (env, again) => {
        // The step before changed the state in place: start again from the stored one.
        if (again) {
          const user = entry!.user;
          live.delete(id);
          entry = (await load(tx, id))!;
          entry.user = user;
        }
        const step = advance(entry!.graph, entry!.state, event, new Date(deps.now()), { env });
        entry!.state = step.state;
        return step.commands;
      });
      await save(tx, id, entry);
    } catch (err) {
      // The conductor changes the state in place: a failed step leaves it half-done.
      live.delete(id);
      throw err;
    }
    await perform(tx, id, commands);
  }

  async function children(tx: Tx, id: string, run: number): Promise<Execution[]> {
    const list = await rows.listExecutions(tx, { parentId: id, limit: 100_000 });
    return list.filter((c) => linkOf(c)?.run === run && !isTerminal(c.status));
  }

  async function perform(tx: Tx, id: string, commands: readonly WorkflowCommand[]): Promise<void> {
    // Failures to even request a task (unknown action, bad input) come back as task events.
    const feedback: WorkflowEvent[] = [];
    for (const c of commands) {
      switch (c.kind) {
        case 'schedule-task': {
          const wf = (await rows.getExecution(tx, id))!;
          const link: TaskLink = { execution_id: id, task: c.task, run: c.run, item: c.item };
          if (c.timeoutSeconds !== null) link.timeout_seconds = c.timeoutSeconds;
          try {
            await assertMayExecute(tx, userOf(wf), c.action);
            const runAt = deps.now() + c.delaySeconds * 1000;
            const child = await requestIn(tx, deps, {
              action: c.action,
              rendered: c.input,
              parentId: id,
              context: { user: wf.context.user, source: 'workflow', workflow: link },
              runAt,
            });
            // The task's time counts from its dispatch after the delay, as the action's own timeout would.
            if (c.timeoutSeconds !== null) await scheduleTimeout(tx, deps, child.id, c.timeoutSeconds, runAt);
          } catch (err) {
            if (!(err instanceof SquallError)) throw err;
            feedback.push({ kind: 'task-finished', run: c.run, item: c.item, status: 'failed', result: { error: err.message, code: err.code } });
          }
          break;
        }
        case 'cancel-task':
        case 'pause-task':
        case 'resume-task': {
          const request: ControlRequest = c.kind === 'cancel-task' ? 'cancel' : c.kind === 'pause-task' ? 'pause' : 'resume';
          for (const child of await children(tx, id, c.run)) await controlChild(tx, child, request);
          break;
        }
        case 'workflow-status': {
          const wf = (await rows.getExecution(tx, id))!;
          const to = WORKFLOW_STATUS[c.status];
          if (wf.status !== to && !isTerminal(wf.status)) await transition(tx, deps, wf, to);
          break;
        }
        case 'complete-workflow': {
          const wf = (await rows.getExecution(tx, id))!;
          if (isTerminal(wf.status)) break;
          // st2 shows errors in the result only of a failed workflow (a noop-remediated failure stays out).
          const shown = c.status === 'failed' || c.status === 'timeout' ? { errors: c.errors, output: c.output } : { output: c.output };
          // Masked as a runner's result is: the output may hold a secret read with st2kv.
          const result = createRedactor(deps.knownSecrets ? await deps.knownSecrets() : []).value(shown);
          if (workflowTimeout(wf.parameters) !== null) await dropTimeout(tx, id);
          await transition(tx, deps, wf, c.status, { result });
          live.delete(id);
          break;
        }
      }
    }
    for (const event of feedback) await apply(tx, id, event);
  }

  async function assertMayExecute(tx: Tx, user: string | null, ref: string): Promise<void> {
    if (await access.mayExecute(user, ref, tx)) return;
    throw new SquallError('FORBIDDEN', `user ${user} lacks permission action:execute on ${ref}: a workflow's tasks run with the permissions of the user who started it`);
  }

  /** Cancels, pauses or resumes one child; only workflows pause, other actions carry on. */
  async function controlChild(tx: Tx, child: Execution, request: ControlRequest): Promise<void> {
    if (request !== 'cancel' && !deps.controls.has(child.runner_type)) return;
    await controlIn(tx, deps, child, request);
  }

  async function startFrom(tx: Tx, graph: Graph, wf: Execution, parameters: Record<string, unknown>): Promise<{ graph: Graph; begun: Advance }> {
    const { timeout: _timeout, ...input } = parameters;
    const context = {
      st2: { action_execution_id: wf.id, api_url: access.apiUrl(), user: userOf(wf), pack: wf.action.split('.')[0], action: wf.action, runner: wf.runner_type },
      ...(wf.parent_id ? { parent: { execution_id: wf.parent_id } } : {}),
    };
    const begun = await conduct(tx, graph, async () => userOf(wf), (env) => start(graph, isInput(graph, 'timeout') ? parameters : input, new Date(deps.now()), { env, context }));
    return { graph, begun };
  }

  /**
   * st2's re-run from tasks: the new execution takes over a copy of the original's graph and
   * state and goes on from the given tasks; what the other tasks did and published stays.
   */
  async function rerunFrom(tx: Tx, wf: Execution): Promise<{ graph: Graph; begun: Advance }> {
    const copy = async () => {
      const original = await readWorkflow(tx, wf.context.rerun_of!);
      if (!original) throw new SquallError('RERUN_INVALID', `execution ${wf.context.rerun_of} has no workflow state to re-run from (purged?)`);
      return original;
    };
    let original = await copy();
    const { graph } = original;
    const begun = await conduct(tx, graph, async () => userOf(wf), async (env, again) => {
      // rerun changes the state in place: a second pass starts from a fresh copy.
      if (again) original = await copy();
      const { state } = original;
      state.root = { ...state.root, st2: { ...(state.root.st2 as object), action_execution_id: wf.id, user: userOf(wf) } };
      return rerun(graph, state, wf.context.rerun_tasks!, new Date(deps.now()), { env });
    });
    return { graph, begun };
  }

  const runner: Runner = {
    name: 'orquesta',
    description: 'Runs an Orquesta workflow (StackStorm\'s workflow language): tasks become child executions.',
    parameters: {
      timeout: {
        type: 'integer',
        description: 'Squall extension: seconds the whole workflow may run; past it the workflow ends timeout and its running tasks are canceled (unless the workflow declares an input named timeout).',
      },
    },
    resumable: true,
    async run(ctx): Promise<RunOutcome> {
      if (!ctx.packDir) throw new SquallError('PACK_INVALID', `action ${ctx.action.ref} has no pack directory for its workflow file`);
      // Compiled outside the transaction; a re-run from tasks goes on with the original's graph instead.
      const compiled = await compileFile(join(ctx.packDir, 'actions', ctx.action.entry_point));
      await deps.store.tx(async (tx) => {
        // Idempotent: once started (or canceled before it started) there is nothing to do.
        const scheduled = (await rows.getExecution(tx, ctx.executionId))!;
        if (scheduled.status !== 'scheduled') return;
        const wf = await transition(tx, deps, scheduled, 'running', { start_timestamp: deps.now(), attempt: scheduled.attempt + 1 });
        const { graph, begun } = wf.context.rerun_tasks
          ? await rerunFrom(tx, wf)
          : await startFrom(tx, compiled, wf, ctx.parameters);
        await save(tx, wf.id, remember(wf.id, { version: '', graph, state: begun.state, saved: null, user: userOf(wf) }), true);
        const timeout = workflowTimeout(ctx.parameters, graph);
        if (timeout !== null) await scheduleTimeout(tx, deps, wf.id, timeout, deps.now());
        await perform(tx, wf.id, begun.commands);
      });
      return { status: 'running', result: null };
    },
  };

  const control: RunControl = {
    async control(tx, e, request) {
      await apply(tx, e.id, { kind: request });
      return (await rows.getExecution(tx, e.id))!;
    },
  };

  return {
    runner,
    control,
    async timeOut(tx, e, seconds) {
      await apply(tx, e.id, { kind: 'timeout', seconds });
    },
    async onChildFinished(tx, child) {
      const link = linkOf(child);
      if (!link) return;
      if (link.timeout_seconds !== undefined) await dropTimeout(tx, child.id);
      // A task action lost with its node (abandoned) runs once more, so a crash does not
      // change the workflow's result; a second loss fails the task as st2 would.
      if (child.status === 'abandoned' && !link.relaunched) {
        const again = await requestIn(tx, deps, {
          action: child.action, rendered: child.parameters, parentId: link.execution_id,
          context: { ...child.context, workflow: { ...link, relaunched: true }, relaunch_of: child.id },
        });
        if (link.timeout_seconds !== undefined) await scheduleTimeout(tx, deps, again.id, link.timeout_seconds, deps.now());
        return;
      }
      const result = child.status === 'abandoned'
        ? { error: `the action of task ${link.task} was lost twice with the node running it (executions ${String(child.context.relaunch_of)} and ${child.id}): it is not dispatched a third time` }
        : child.result;
      await apply(tx, link.execution_id, { kind: 'task-finished', run: link.run, item: link.item, status: finishStatus(child.status), result });
    },
    async onChildStatus(tx, child) {
      const link = linkOf(child);
      if (!link) return;
      const status = child.status === 'paused' || child.status === 'pending' ? child.status : 'running';
      await apply(tx, link.execution_id, { kind: 'task-status', run: link.run, item: link.item, status });
    },
  };
}

function isInput(graph: Graph, name: string): boolean {
  return graph.input.some((p) => p.name === name);
}

/** The workflow's own timeout in seconds (the orquesta runner's `timeout` parameter), or null. */
function workflowTimeout(parameters: Record<string, unknown>, graph?: Graph): number | null {
  const t = parameters.timeout;
  return typeof t === 'number' && t > 0 && !(graph && isInput(graph, 'timeout')) ? t : null;
}

/**
 * Checks a re-run of workflow execution `e` from tasks before it is requested: `e` must be a
 * workflow that ended, and the conductor must accept the tasks (on a throw-away copy of the state).
 */
export async function checkRerun(tx: Tx, e: Execution, request: RerunTasks): Promise<void> {
  const wf = await readWorkflow(tx, e.id);
  if (!wf) {
    throw new SquallError('RERUN_INVALID', `execution ${e.id} runs ${e.action} (runner ${e.runner_type}), not a workflow that started: only workflows re-run from tasks`, { field: 'tasks' });
  }
  rerun(wf.graph, wf.state, request, new Date(0));
}

/** Checks an Orquesta workflow file when its pack is registered: every error becomes a pack problem. */
export async function validateWorkflowFile(_action: unknown, path: string): Promise<Array<{ line?: number; column?: number; field?: string; message: string }>> {
  return inspectWorkflow(await readFile(path, 'utf8'))
    .filter((p) => p.severity === 'error')
    .map((p) => ({ line: p.line, column: p.column, message: p.message }));
}
