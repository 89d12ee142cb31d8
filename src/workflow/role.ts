// The workflow runtime around the pure conductor: the `orquesta` runner starts a workflow
// execution, and every event (a task execution ended, paused or ran again; pause, resume,
// cancel) is applied in ONE transaction that locks the state, advances the conductor, saves
// the state and carries out the commands (child executions requested, children canceled,
// the workflow's own status changed). Kill the process anywhere: either all of it happened
// or none of it, and the event is still there to apply.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SquallError } from '../errors.js';
import type { ControlRequest, ExecutionDeps, RunControl } from '../executions/deps.js';
import { transition } from '../executions/lifecycle.js';
import type { Execution } from '../executions/model.js';
import { controlIn, requestIn } from '../executions/service.js';
import { isTerminal, type ExecutionStatus } from '../executions/status.js';
import * as rows from '../store/executions.js';
import type { Tx } from '../store/types.js';
import * as states from '../store/workflows.js';
import type { Runner, RunOutcome } from '../runners/types.js';
import { compileOrquesta, inspectWorkflow } from './index.js';
import { advance, start } from './conductor.js';
import type { Graph } from './graph.js';
import { decodeState, encodeState, type Saved } from './persist.js';
import type { FinishStatus, WorkflowCommand, WorkflowEvent, WorkflowState } from './state.js';

/** Where a child execution sits in its parent workflow (kept in the child's context). */
export interface TaskLink {
  execution_id: string;
  task: string;
  run: number;
  item: number | null;
  /** Set on the one re-dispatch of a task action whose node died while running it. */
  relaunched?: boolean;
}

export interface WorkflowRuntime {
  runner: Runner;
  control: RunControl;
  onChildFinished(tx: Tx, child: Execution): Promise<void>;
  onChildStatus(tx: Tx, child: Execution): Promise<void>;
}

const LIVE_CACHE = 500;

/** A workflow as this node last saved or read it; valid while the stored version token is `version`. */
interface Live {
  version: string;
  graph: Graph;
  state: WorkflowState;
  saved: Saved | null;
}

/** Statuses of a workflow execution that the conductor's workflow-status command maps to. */
const WORKFLOW_STATUS: Record<'pausing' | 'paused' | 'canceling' | 'running', ExecutionStatus> = {
  pausing: 'pausing', paused: 'paused', canceling: 'canceling', running: 'running',
};

function linkOf(e: Execution): TaskLink | null {
  const w = e.context.workflow as TaskLink | undefined;
  return w && typeof w.execution_id === 'string' ? w : null;
}

function finishStatus(s: ExecutionStatus): FinishStatus {
  return s === 'succeeded' || s === 'failed' || s === 'timeout' || s === 'abandoned' ? s : 'canceled';
}

export function createWorkflowRuntime(deps: ExecutionDeps): WorkflowRuntime {
  // Compiled specs by file and mtime, and running workflows by execution id: an event on a
  // workflow this node saved last (its version token unchanged in the store) reads nothing
  // but the token, and saves only the parts of the state it changed. The token is unique per
  // save on any node, so a save rolled back or made elsewhere is always noticed.
  const specs = new Map<string, { mtimeMs: number; graph: Graph }>();
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

  /** Applies one event to workflow `id` and carries out what the conductor decided. */
  async function apply(tx: Tx, id: string, event: WorkflowEvent): Promise<void> {
    const entry = await load(tx, id);
    if (!entry || entry.state.ended) return; // not started yet (its start will see the child), purged, or over
    let commands: readonly WorkflowCommand[];
    try {
      const step = advance(entry.graph, entry.state, event, new Date(deps.now()));
      entry.state = step.state;
      commands = step.commands;
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
          try {
            await requestIn(tx, deps, {
              action: c.action,
              parameters: c.input,
              parentId: id,
              context: { user: wf.context.user, source: 'workflow', workflow: link },
              runAt: deps.now() + c.delaySeconds * 1000,
            });
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
          const result = c.status === 'failed' ? { errors: c.errors, output: c.output } : { output: c.output };
          await transition(tx, deps, wf, c.status, { result });
          live.delete(id);
          break;
        }
      }
    }
    for (const event of feedback) await apply(tx, id, event);
  }

  /** Cancels, pauses or resumes one child; only workflows pause, other actions carry on. */
  async function controlChild(tx: Tx, child: Execution, request: ControlRequest): Promise<void> {
    if (request !== 'cancel' && !deps.controls.has(child.runner_type)) return;
    await controlIn(tx, deps, child, request);
  }

  const runner: Runner = {
    name: 'orquesta',
    description: 'Runs an Orquesta workflow (StackStorm\'s workflow language): tasks become child executions.',
    parameters: {},
    resumable: true,
    async run(ctx): Promise<RunOutcome> {
      if (!ctx.packDir) throw new SquallError('PACK_INVALID', `action ${ctx.action.ref} has no pack directory for its workflow file`);
      const file = join(ctx.packDir, 'actions', ctx.action.entry_point);
      const graph = await compileFile(file);
      await deps.store.tx(async (tx) => {
        // Idempotent: once started (or canceled before it started) there is nothing to do.
        const scheduled = (await rows.getExecution(tx, ctx.executionId))!;
        if (scheduled.status !== 'scheduled') return;
        const wf = await transition(tx, deps, scheduled, 'running', { start_timestamp: deps.now(), attempt: scheduled.attempt + 1 });
        const begun = start(graph, ctx.parameters, new Date(deps.now()), {
          context: { st2: { action_execution_id: wf.id, user: wf.context.user ?? null }, ...(wf.parent_id ? { parent: { execution_id: wf.parent_id } } : {}) },
        });
        await save(tx, wf.id, remember(wf.id, { version: '', graph, state: begun.state, saved: null }), true);
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
    async onChildFinished(tx, child) {
      const link = linkOf(child);
      if (!link) return;
      // A task action lost with its node (abandoned) runs once more, so a crash does not
      // change the workflow's result; a second loss fails the task as st2 would.
      if (child.status === 'abandoned' && !link.relaunched) {
        await requestIn(tx, deps, {
          action: child.action, parameters: child.parameters, parentId: link.execution_id,
          context: { ...child.context, workflow: { ...link, relaunched: true }, relaunch_of: child.id },
        });
        return;
      }
      await apply(tx, link.execution_id, { kind: 'task-finished', run: link.run, item: link.item, status: finishStatus(child.status), result: child.result });
    },
    async onChildStatus(tx, child) {
      const link = linkOf(child);
      if (!link) return;
      const status = child.status === 'paused' || child.status === 'pending' ? child.status : 'running';
      await apply(tx, link.execution_id, { kind: 'task-status', run: link.run, item: link.item, status });
    },
  };
}

/** Checks an Orquesta workflow file when its pack is registered: every error becomes a pack problem. */
export async function validateWorkflowFile(_action: unknown, path: string): Promise<Array<{ line?: number; column?: number; field?: string; message: string }>> {
  return inspectWorkflow(await readFile(path, 'utf8'))
    .filter((p) => p.severity === 'error')
    .map((p) => ({ line: p.line, column: p.column, message: p.message }));
}
