// /api/v1/executions: run an action, list, get, output, cancel, re-run.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { cancelExecution, controlExecution, getExecution, listExecutions, requestExecution, rerunExecution } from '../../executions/service.js';
import type { Execution, RerunTasks } from '../../executions/model.js';
import { checkRerun } from '../../workflow/role.js';
import type { ExecutionStatus } from '../../executions/status.js';
import { getOutput, listExecutions as listRows } from '../../store/executions.js';
import { readWorkflow } from '../../workflow/persist.js';
import { workflowView } from '../../workflow/view.js';
import { SquallError } from '../../errors.js';
import { parseAge, purgeOlderThan } from '../../executions/retention.js';
import type { ApiDeps } from '../server.js';
import { ExecutionOut, IdParams, PurgeBody, Ref, Status } from '../schemas.js';

const RunBody = Type.Object({
  action: Ref,
  parameters: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}, { additionalProperties: false });

const ListQuery = Type.Object({
  action: Type.Optional(Ref),
  status: Type.Optional(Status),
  parent: Type.Optional(Type.String()),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

const taskNames = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true, description }));
const RerunBody = Type.Object({
  parameters: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  tasks: taskNames('workflows: go on from these tasks of the original ([]: the failed tasks it ended on) instead of from the start'),
  reset: taskNames('with-items tasks among `tasks` that run all their items again (the others re-run only the items that did not succeed)'),
}, { additionalProperties: false });

const OutputQuery = Type.Object({
  after: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
});


// A workflow's view names every child execution (a with-items task over 10,000 items has as many).
const MAX_TASK_EXECUTIONS = 1_000_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API's view of an execution (parameters already masked): ISO timestamps. */
export function toApi(e: Execution) {
  return {
    ...e,
    created_at: iso(e.created_at)!,
    updated_at: iso(e.updated_at)!,
    start_timestamp: iso(e.start_timestamp),
    end_timestamp: iso(e.end_timestamp),
    elapsed_seconds: e.start_timestamp !== null && e.end_timestamp !== null ? (e.end_timestamp - e.start_timestamp) / 1000 : null,
  };
}

/** A re-run from tasks continues the original workflow with its input: nothing to override, and the tasks must be re-runnable. */
async function checkTaskRerun(deps: ApiDeps, id: string, parameters: Record<string, unknown>, request: RerunTasks): Promise<void> {
  const original = await getExecution(deps.executions, id);
  if (Object.keys(parameters).length > 0) {
    throw new SquallError('RERUN_INVALID', 'parameters cannot be changed when re-running from tasks: the workflow goes on with the input it had', { field: 'parameters' });
  }
  await deps.executions.store.read((tx) => checkRerun(tx, original, request));
}

export function executionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const out = async (e: Execution) => toApi((await deps.maskSecrets([e]))[0]!);

  app.post('/api/v1/executions', { schema: { body: RunBody, response: { 201: ExecutionOut } } }, async (req, reply) => {
    const body = req.body as Static<typeof RunBody>;
    const e = await requestExecution(deps.executions, {
      action: body.action,
      parameters: body.parameters,
      context: { ...body.context, user: req.principal?.username, source: String(body.context?.source ?? 'api') },
    });
    return reply.code(201).send(await out(e));
  });

  app.get('/api/v1/executions', { schema: { querystring: ListQuery, response: { 200: Type.Array(ExecutionOut) } } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    const list = await listExecutions(deps.executions, {
      action: q.action, status: q.status as ExecutionStatus | undefined, parentId: q.parent, limit: q.limit, offset: q.offset,
      visibleTo: req.listScope ?? undefined,
    });
    return (await deps.maskSecrets(list)).map(toApi);
  });

  app.post('/api/v1/executions/purge', { schema: { body: PurgeBody } }, async (req) => {
    const ageMs = parseAge((req.body as Static<typeof PurgeBody>).older_than);
    return { deleted: await purgeOlderThan(deps.executions, deps.executions.now() - ageMs) };
  });

  app.get('/api/v1/executions/:id', { schema: { params: IdParams, response: { 200: ExecutionOut } } }, async (req, reply) => {
    const e = await out(await getExecution(deps.executions, (req.params as Static<typeof IdParams>).id));
    // Sent as bytes encoded once: a string body is scanned for its length, then encoded again
    // on the way out, which doubled the cost of a large (10 MB) result.
    return reply.type('application/json; charset=utf-8').send(Buffer.from(JSON.stringify(e)));
  });

  app.get('/api/v1/executions/:id/output', { schema: { params: IdParams, querystring: OutputQuery } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const q = req.query as Static<typeof OutputQuery>;
    const e = await getExecution(deps.executions, id);
    const lines = await deps.executions.store.read((tx) => getOutput(tx, id, q.after, q.limit));
    return { execution_id: id, status: e.status, lines };
  });

  // st2 cancels with DELETE /executions/{id}; POST …/cancel is the same for clients that prefer a verb.
  const cancel = async (req: { params: unknown }) => out(await cancelExecution(deps.executions, (req.params as Static<typeof IdParams>).id));
  app.delete('/api/v1/executions/:id', { schema: { params: IdParams, response: { 200: ExecutionOut } } }, cancel);
  app.post('/api/v1/executions/:id/cancel', { schema: { params: IdParams, response: { 200: ExecutionOut } } }, cancel);

  app.get('/api/v1/executions/:id/workflow', { schema: { params: IdParams } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const e = await getExecution(deps.executions, id);
    const view = await deps.executions.store.read(async (tx) => {
      const wf = await readWorkflow(tx, id);
      return wf && workflowView(wf.graph, wf.state, await listRows(tx, { parentId: id, limit: MAX_TASK_EXECUTIONS }));
    });
    if (!view) throw new SquallError('NOT_FOUND', `execution ${id} (${e.action}) is not a workflow, or has not started yet`);
    return view;
  });

  // st2 pauses and resumes workflows with PUT /executions/{id} {status: pausing|resuming}; verbs are plainer.
  for (const request of ['pause', 'resume'] as const) {
    app.post(`/api/v1/executions/:id/${request}`, { schema: { params: IdParams, response: { 200: ExecutionOut } } }, async (req) =>
      out(await controlExecution(deps.executions, (req.params as Static<typeof IdParams>).id, request)));
  }

  app.post('/api/v1/executions/:id/re_run', { schema: { params: IdParams, body: RerunBody, response: { 201: ExecutionOut } } }, async (req, reply) => {
    const { id } = req.params as Static<typeof IdParams>;
    const body = req.body as Static<typeof RerunBody>;
    const fromTasks = body.tasks === undefined ? undefined : { tasks: body.tasks, reset: body.reset ?? [] };
    if (fromTasks) await checkTaskRerun(deps, id, body.parameters, fromTasks);
    else if (body.reset) throw new SquallError('RERUN_INVALID', 'reset applies only with tasks', { field: 'reset' });
    const e = await rerunExecution(deps.executions, id, body.parameters, { user: req.principal?.username, source: 'api' }, fromTasks);
    return reply.code(201).send(await out(e));
  });
}
