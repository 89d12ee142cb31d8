// The trigger types every Squall node registers, with StackStorm's names and payloads
// (st2common/constants/triggers.py), so st2 rules written against them work unchanged.
import type { TriggerType } from './model.js';

const obj = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
});
const str = { type: 'string' };
const anyObj = { type: 'object' };
const timezone = { type: 'string', description: 'IANA time zone, e.g. Europe/Paris (default UTC)' };
const timerPayload = obj({ executed_at: str, schedule: anyObj });
const kvPayload = obj({ object: anyObj });

type Spec = Pick<TriggerType, 'name' | 'description'> & Partial<Pick<TriggerType, 'payload_schema' | 'parameters_schema'>>;

const specs: Spec[] = [
  {
    name: 'st2.webhook',
    description: 'An HTTP request to POST /api/v1/webhooks/<url>.',
    parameters_schema: obj({
      url: { type: 'string', minLength: 1, pattern: '^[\\w./-]+$' },
      secret: { type: 'string', description: 'HMAC-SHA256 key: requests signed with it need no API key' },
      signature_header: { type: 'string', description: 'header holding the signature (default X-Hub-Signature-256)' },
      delivery_id_field: { type: 'string', description: 'payload path holding a delivery id, e.g. body.event_id' },
    }, ['url']),
    payload_schema: obj({ url: str, headers: anyObj, body: {} }),
  },
  {
    name: 'st2.IntervalTimer',
    description: 'Fires every `delta` `unit`s.',
    parameters_schema: obj({
      timezone,
      unit: { enum: ['weeks', 'days', 'hours', 'minutes', 'seconds'] },
      delta: { type: 'integer', minimum: 1 },
    }, ['unit', 'delta']),
    payload_schema: timerPayload,
  },
  {
    name: 'st2.DateTimer',
    description: 'Fires once, at `date`.',
    parameters_schema: obj({ timezone, date: str }, ['date']),
    payload_schema: timerPayload,
  },
  {
    name: 'st2.CronTimer',
    description: 'Fires on a cron-like schedule, in `timezone`.',
    parameters_schema: obj({
      timezone,
      year: {}, month: {}, day: {}, week: {}, day_of_week: {}, hour: {}, minute: {}, second: {},
    }),
    payload_schema: timerPayload,
  },
  {
    name: 'st2.generic.actiontrigger',
    description: 'An action execution finished.',
    payload_schema: obj({
      execution_id: str, status: str, start_timestamp: {}, action_name: str, action_ref: str,
      runner_ref: str, parameters: anyObj, result: {},
    }),
  },
  {
    name: 'st2.generic.notifytrigger',
    description: "An action's notify (on-complete, on-success, on-failure) fired for one route.",
    payload_schema: obj({
      execution_id: str, status: str, start_timestamp: {}, end_timestamp: {}, action_ref: str, runner_ref: str,
      channel: str, route: str, message: {}, data: {},
    }),
  },
  {
    name: 'st2.generic.inquiry',
    description: 'An inquiry (core.ask) was asked and waits for a response; `route` says where to announce it.',
    payload_schema: obj({ id: str, route: str }),
  },
  { name: 'st2.key_value_pair.create', description: 'A datastore key was created.', payload_schema: kvPayload },
  { name: 'st2.key_value_pair.update', description: 'A datastore key was updated.', payload_schema: kvPayload },
  {
    name: 'st2.key_value_pair.value_change',
    description: "A datastore key's value changed.",
    payload_schema: obj({ old_object: anyObj, new_object: anyObj }),
  },
  { name: 'st2.key_value_pair.delete', description: 'A datastore key was deleted.', payload_schema: kvPayload },
  { name: 'st2.sensor.process_spawn', description: 'A sensor process started.', payload_schema: kvPayload },
  { name: 'st2.sensor.process_exit', description: 'A sensor process exited.', payload_schema: kvPayload },
];

/** The built-in trigger types (pack `core`), stamped with `now`. */
export function builtinTriggerTypes(now: number): TriggerType[] {
  return specs.map((s) => ({
    ref: `core.${s.name}`,
    pack: 'core',
    name: s.name,
    description: s.description,
    payload_schema: s.payload_schema ?? { type: 'object' },
    parameters_schema: s.parameters_schema ?? {},
    metadata: {},
    updated_at: now,
  }));
}

export const WEBHOOK_TYPE = 'core.st2.webhook';
export const ACTION_TRIGGER_TYPE = 'core.st2.generic.actiontrigger';
export const NOTIFY_TRIGGER_TYPE = 'core.st2.generic.notifytrigger';
