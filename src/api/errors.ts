// The API's one place that turns errors into responses: { faultstring, code }.
import type { FastifyError, FastifyInstance } from 'fastify';
import { SquallError, type ErrorCode } from '../errors.js';

export interface Fault {
  faultstring: string;
  code: ErrorCode;
  hint?: string;
  where?: SquallError['where'];
  details?: unknown;
}

function fastifyFault(err: FastifyError): [number, Fault] | null {
  if (err.validation) {
    const v = err.validation[0]!;
    const field = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || String((v.params as Record<string, unknown>).missingProperty ?? (v.params as Record<string, unknown>).additionalProperty ?? '');
    return [400, { faultstring: `${err.validationContext ?? 'body'}${field ? '.' + field : ''}: ${v.message}`, code: 'BAD_REQUEST', where: { field } }];
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return [413, { faultstring: 'request body is larger than the limit', code: 'PAYLOAD_TOO_LARGE' }];
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return [415 as number, { faultstring: err.message, code: 'BAD_REQUEST' }];
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return [err.statusCode, { faultstring: err.message, code: 'BAD_REQUEST' }];
  return null;
}

/** The answer's body for a Squall error. */
export function faultOf(err: SquallError): Fault {
  const body: Fault = { faultstring: err.message, code: err.code, hint: err.hint };
  if (Object.keys(err.where).length) body.where = err.where;
  if (err.details !== undefined) body.details = err.details;
  return body;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof SquallError) return reply.code(err.status).send(faultOf(err));
    const known = fastifyFault(err);
    if (known) return reply.code(known[0]).send(known[1]);
    // An error without a code is a bug: logged with the request id, never shown as a stack.
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ faultstring: `internal error (request ${req.id})`, code: 'INTERNAL' });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ faultstring: `no route ${req.method} ${req.url.split('?')[0]}`, code: 'NOT_FOUND' });
  });
}
