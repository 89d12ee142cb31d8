// /api/v1/stream: Server-Sent Events of new executions, their changes and output lines, with
// st2's event names (st2.execution__create, st2.execution__update, st2.execution.output__create).
// ?execution=ID narrows it to one execution and starts with that execution's current state,
// so a client that subscribes after POSTing misses nothing.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { EXECUTION_CHANNEL, OUTPUT_CHANNEL, type ExecutionEvent, type OutputEvent } from '../../executions/events.js';
import { getExecution } from '../../executions/service.js';
import { getOutput } from '../../store/executions.js';
import type { ApiDeps } from '../server.js';
import { toApi } from './executions.js';

const StreamQuery = Type.Object({
  execution: Type.Optional(Type.String()),
  events: Type.Optional(Type.String({ description: 'comma list: execution, output (default both)' })),
});

const HEARTBEAT_MS = 15_000;

export function streamRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/stream', { schema: { querystring: StreamQuery } }, async (req, reply) => {
    const q = req.query as Static<typeof StreamQuery>;
    const wanted = new Set((q.events ?? 'execution,output').split(','));
    const only = q.execution;
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // Sent now, not with the first event: a client waits for the headers to know it is subscribed.
    raw.flushHeaders();
    // Events of one tick go out in one write (one system call, not one per event).
    let buffered: string[] = [];
    const flush = () => {
      const text = buffered.join('');
      buffered = [];
      if (!raw.destroyed) raw.write(text);
    };
    const send = (event: string, data: unknown) => {
      if (buffered.push(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`) === 1) setImmediate(flush);
    };
    const { store } = deps.executions;
    // Events are sent in order; a slow fetch for one event must not let a later one overtake it.
    let chain: Promise<unknown> = Promise.resolve();
    const enqueue = (work: () => Promise<void>) => {
      chain = chain.then(work).catch((err: unknown) => req.log.warn({ err }, 'stream event dropped'));
    };
    const offs: Array<() => void> = [];
    if (wanted.has('execution')) {
      offs.push(store.listen(EXECUTION_CHANNEL, (payload) => {
        const ev = JSON.parse(payload) as ExecutionEvent;
        if (only && ev.id !== only) return;
        enqueue(async () => {
          const e = ev.execution ?? (await getExecution(deps.executions, ev.id));
          send(ev.created ? 'st2.execution__create' : 'st2.execution__update', toApi((await deps.maskSecrets([e]))[0]!));
        });
      }));
    }
    if (wanted.has('output')) {
      offs.push(store.listen(OUTPUT_CHANNEL, (payload) => {
        const ev = JSON.parse(payload) as OutputEvent;
        if (only && ev.execution_id !== only) return;
        enqueue(async () => void send('st2.execution.output__create', ev));
      }));
    }
    if (only) {
      enqueue(async () => {
        const e = await getExecution(deps.executions, only);
        if (wanted.has('output')) {
          for (const l of await store.read((tx) => getOutput(tx, only, 0, 10_000))) {
            send('st2.execution.output__create', { execution_id: only, ...l });
          }
        }
        send('st2.execution__update', toApi((await deps.maskSecrets([e]))[0]!));
      });
    }
    const beat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    req.raw.on('close', () => {
      clearInterval(beat);
      for (const off of offs) off();
    });
  });
}
