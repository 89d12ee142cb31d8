// Inquiries (st2's core.ask): the `inquirer` runner parks its execution in `pending` with the
// question stored; a response matching the schema, from someone allowed to give it, ends it
// `succeeded` with st2's result {schema, roles, users, route, ttl, response}; an inquiry not
// answered within `ttl` minutes ends `timeout`. Either way a workflow waiting on it carries on.
// Semantics: st2common/services/inquiry.py, st2common/garbage_collection/inquiries.py.
import { SquallError } from '../errors.js';
import type { ExecutionDeps, RunControl } from '../executions/deps.js';
import { transition } from '../executions/lifecycle.js';
import type { Execution } from '../executions/model.js';
import type { ExecutionStatus } from '../executions/status.js';
import { EXECUTION_QUEUE } from '../executions/service.js';
import { dispatchTriggerInstance, type EventDeps } from '../events/index.js';
import type { ParameterSchema } from '../packs/model.js';
import type { Runner } from '../runners/types.js';
import { startConsumer, type Consumer } from '../store/consumer.js';
import * as rows from '../store/executions.js';
import * as stored from '../store/inquiries.js';
import { deleteByRef, enqueue } from '../store/queue.js';
import type { Tx } from '../store/types.js';
import { compileResponseSchema, DEFAULT_SCHEMA } from './schema.js';

/** Jobs that time inquiries out, due at each inquiry's expiry: durable, claimed once per cluster. */
export const INQUIRY_QUEUE = 'inquiry-ttl';
export const INQUIRY_TRIGGER = 'core.st2.generic.inquiry';

/** st2's inquirer runner_parameters; `ttl` also takes fractions of a minute. */
const PARAMETERS: ParameterSchema = {
  schema: { type: 'object', description: 'A JSON schema that will be used to validate the response data', required: true, default: DEFAULT_SCHEMA },
  route: { type: 'string', description: 'An arbitrary value for allowing rules to route to proper notification channel', default: '' },
  users: { type: 'array', description: 'A list of usernames that are permitted to respond to the action (if nothing provided, all are permitted)', default: [] },
  roles: { type: 'array', description: 'A list of roles that are permitted to respond to the action (if nothing provided, all are permitted)', default: [] },
  ttl: { type: 'number', description: 'Time (in minutes) to wait before timing out the inquiry if no response is received (0: never)', required: true, default: 1440 },
};

export interface Inquiry {
  id: string;
  status: ExecutionStatus;
  parent: string | null;
  route: string;
  ttl: number;
  users: string[];
  roles: string[];
  schema: Record<string, unknown>;
  created_at: string;
  expires_at: string | null;
  responded_by: string | null;
  responded_at: string | null;
}

export interface Responder {
  username: string;
  roles: readonly string[];
}

export interface InquiryService {
  runner: Runner;
  control: RunControl;
  list(limit: number, offset: number): Promise<Inquiry[]>;
  get(id: string): Promise<Inquiry>;
  /** Checks and records a response; throws INQUIRY_NOT_FOUND, INQUIRY_CLOSED, FORBIDDEN or INQUIRY_RESPONSE_INVALID (then nothing changed). */
  respond(id: string, response: Record<string, unknown>, by: Responder): Promise<{ id: string; response: Record<string, unknown> }>;
  /** Times out inquiries as their ttl passes (the scheduler role runs it). */
  startExpiry(opts: { leaseMs: number; pollMs: number }): Consumer;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function view(i: stored.StoredInquiry): Inquiry {
  return {
    id: i.id, status: i.status, parent: i.parent_id, route: i.route, ttl: i.ttl, users: i.users, roles: i.roles, schema: i.schema,
    created_at: iso(i.created_at)!, expires_at: iso(i.expires_at), responded_by: i.responded_by, responded_at: iso(i.responded_at),
  };
}

interface Asked {
  schema: Record<string, unknown>;
  roles: string[];
  users: string[];
  route: string;
  ttl: number;
}

export function createInquiryService(deps: ExecutionDeps, events: EventDeps): InquiryService {
  /** Parks `e` (running) in pending with the question, its expiry job and the inquiry trigger. */
  async function open(tx: Tx, e: Execution, asked: Asked): Promise<void> {
    const now = deps.now();
    // st2 expires nothing with a ttl of 0 or less.
    const expiresAt = asked.ttl > 0 ? now + Math.round(asked.ttl * 60_000) : null;
    await stored.insertInquiry(tx, {
      id: e.id, parent_id: e.parent_id, route: asked.route, schema: asked.schema, users: asked.users, roles: asked.roles,
      ttl: asked.ttl, created_at: now, expires_at: expiresAt, responded_by: null, responded_at: null,
    });
    if (expiresAt !== null) await enqueue(tx, { queue: INQUIRY_QUEUE, ref: e.id, payload: { id: e.id }, runAt: expiresAt }, now);
    // The scheduler's job for this execution is done with this commit: were it retaken after
    // a crash, it would find the execution pending and mark it abandoned.
    await deleteByRef(tx, EXECUTION_QUEUE, e.id);
    // Pending tells a parent workflow to pause once nothing else of it runs.
    await transition(tx, deps, e, 'pending', { result: { ...asked } });
    await dispatchTriggerInstance(tx, events, { trigger: INQUIRY_TRIGGER, payload: { id: e.id, route: asked.route } });
  }

  /**
   * Ends a pending inquiry. It runs again first: that wakes the workflow paused on it (st2
   * resumes the parent before completing the inquiry, for the same reason), then it ends.
   */
  async function close(tx: Tx, e: Execution, status: 'succeeded' | 'timeout', result: unknown): Promise<Execution> {
    await deleteByRef(tx, INQUIRY_QUEUE, e.id);
    const running = await transition(tx, deps, e, 'running');
    return transition(tx, deps, running, status, { result });
  }

  async function load(tx: Tx, id: string): Promise<{ inquiry: stored.StoredInquiry; execution: Execution }> {
    const inquiry = await stored.getInquiry(tx, id);
    const execution = inquiry && (await rows.getExecution(tx, id));
    if (!inquiry || !execution) throw new SquallError('INQUIRY_NOT_FOUND', `no inquiry with id ${id}`);
    return { inquiry, execution };
  }

  const runner: Runner = {
    name: 'inquirer',
    description: 'Asks for input: the execution waits (pending) until someone answers with data matching `schema`, or `ttl` minutes pass.',
    parameters: PARAMETERS,
    async run(ctx) {
      const p = ctx.parameters as unknown as Asked;
      const asked: Asked = { schema: p.schema, roles: p.roles.map(String), users: p.users.map(String), route: p.route, ttl: p.ttl };
      try {
        compileResponseSchema(asked.schema);
      } catch (err) {
        if (!(err instanceof SquallError)) throw err;
        return { status: 'failed', result: { error: err.message, code: err.code } };
      }
      await deps.store.tx(async (tx) => {
        const e = (await rows.getExecution(tx, ctx.executionId))!;
        if (e.status === 'running') await open(tx, e, asked);
        else if (e.status === 'canceling') await transition(tx, deps, e, 'canceled');
      });
      // The execution goes on without this process: a response or its ttl ends it.
      return { status: 'running', result: null };
    },
  };

  // Only cancel means anything to a question; a workflow pausing leaves it open.
  const control: RunControl = {
    async control(tx, e, request) {
      if (request !== 'cancel') return e;
      if (e.status !== 'pending') return e.status === 'canceling' ? e : transition(tx, deps, e, 'canceling');
      await deleteByRef(tx, INQUIRY_QUEUE, e.id);
      return transition(tx, deps, e, 'canceled');
    },
  };

  return {
    runner,
    control,
    async list(limit, offset) {
      return (await deps.store.read((tx) => stored.listInquiries(tx, 'pending', limit, offset))).map(view);
    },
    async get(id) {
      return view((await deps.store.read((tx) => load(tx, id))).inquiry);
    },
    async respond(id, response, by) {
      return deps.store.tx(async (tx) => {
        const { inquiry, execution } = await load(tx, id);
        if (execution.status === 'timeout') throw new SquallError('INQUIRY_CLOSED', `inquiry ${id} timed out`);
        if (execution.status !== 'pending') throw new SquallError('INQUIRY_CLOSED', `inquiry ${id} is no longer pending: its execution is ${execution.status}${inquiry.responded_by ? ` (answered by ${inquiry.responded_by})` : ''}`);
        const userOk = inquiry.users.length === 0 || inquiry.users.includes(by.username);
        const roleOk = inquiry.roles.length === 0 || inquiry.roles.some((r) => by.roles.includes(r));
        if (!userOk || !roleOk) throw new SquallError('FORBIDDEN', `user ${by.username} is not permitted to respond to inquiry ${id}`);
        // Defaults of the schema fill the answer in (st2 validates with use_default).
        const answer = structuredClone(response);
        compileResponseSchema(inquiry.schema)(answer);
        await stored.markResponded(tx, id, by.username, deps.now());
        await close(tx, execution, 'succeeded', { ...(execution.result as Record<string, unknown>), response: answer });
        return { id, response: answer };
      });
    },
    startExpiry(opts) {
      return startConsumer(deps.store, {
        queue: INQUIRY_QUEUE, node: deps.node, concurrency: 4, leaseMs: opts.leaseMs, pollMs: opts.pollMs, now: deps.now,
        log: deps.log.child({ role: 'inquiry-ttl' }),
        async handle(job) {
          const id = (job.payload as { id: string }).id;
          await deps.store.tx(async (tx) => {
            const e = await rows.getExecution(tx, id);
            // Answered, canceled or purged meanwhile: nothing to time out.
            if (e?.status === 'pending') await close(tx, e, 'timeout', e.result);
          });
        },
      });
    },
  };
}
