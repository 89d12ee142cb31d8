// Schemas shared by several routes; each is the runtime check, the TypeScript type and the OpenAPI entry.
import { Type } from '@sinclair/typebox';
import { STATUSES } from '../executions/status.js';

export const Ref = Type.String({ pattern: '^[\\w-]+\\.[\\w.-]+$', description: 'pack.name' });
export const Id = Type.String({ pattern: '^[0-9a-f]{24}$' });
export const IdParams = Type.Object({ id: Id });
export const Status = Type.Union(STATUSES.map((s) => Type.Literal(s)));
/** POST …/purge: delete records older than an age. */
export const PurgeBody = Type.Object({ older_than: Type.String({ description: 'age such as 30d, 12h, 90m' }) }, { additionalProperties: false });
export const Timestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const ExecutionOut = Type.Object({
  id: Id,
  action: Type.String(),
  runner_type: Type.String(),
  status: Status,
  parameters: Type.Record(Type.String(), Type.Unknown()),
  result: Type.Unknown(),
  context: Type.Record(Type.String(), Type.Unknown()),
  parent_id: Type.Union([Id, Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  start_timestamp: Timestamp,
  end_timestamp: Timestamp,
  elapsed_seconds: Type.Union([Type.Number(), Type.Null()]),
  attempt: Type.Integer(),
});

export const Fault = Type.Object({
  faultstring: Type.String(),
  code: Type.String(),
  hint: Type.Optional(Type.String()),
});
