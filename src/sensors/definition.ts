// A pack's sensors/*.yaml: st2 sensor metadata (class_name, entry_point, trigger_types,
// poll_interval, enabled) for code sensors, or `type: mqtt|amqp|nats|redis-stream` for a
// built-in message-bus source configured without code. Every problem is file:line.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { lazyValidator, type Validator } from '../lazy-validator.js';
import { packYamlFiles } from '../events/pack-triggers.js';
import type { TriggerType } from '../events/model.js';
import { ajvProblems, type Problem } from '../packs/problems.js';
import { checkTypeScriptModules, isTypeScriptModule } from '../packs/typescript.js';
import { parseYaml } from '../packs/yaml-source.js';
import type { SensorKind } from '../store/sensors.js';

const Name = Type.String({ pattern: '^[A-Za-z_][\\w.-]*$' });
const TriggerTypeSpec = Type.Object({
  name: Name,
  pack: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  payload_schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  parameters_schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  tags: Type.Optional(Type.Array(Type.Unknown())),
}, { additionalProperties: false });

const common = {
  description: Type.Optional(Type.String()),
  enabled: Type.Optional(Type.Boolean()),
  trigger_types: Type.Optional(Type.Array(TriggerTypeSpec)),
  /** Code sensors: merged over the pack's config, which st2 passes as the second constructor argument. */
  config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};
const sourceCommon = {
  ...common,
  name: Name,
  /** The trigger type ref to dispatch; default the one entry of trigger_types. */
  trigger: Type.Optional(Type.String({ minLength: 1 })),
};

const CodeSensor = Type.Object({
  ...common,
  class_name: Name,
  entry_point: Type.String({ minLength: 1 }),
  poll_interval: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
}, { additionalProperties: false });

const MqttSource = Type.Object({
  ...sourceCommon,
  type: Type.Literal('mqtt'),
  url: Type.Optional(Type.String({ pattern: '^(mqtts?|wss?|tcp)://' })),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  topics: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  qos: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)])),
}, { additionalProperties: false });

const AmqpSource = Type.Object({
  ...sourceCommon,
  type: Type.Literal('amqp'),
  url: Type.Optional(Type.String({ pattern: '^amqps?://' })),
  queue: Type.String({ minLength: 1 }),
  exchange: Type.Optional(Type.Object({
    name: Type.String({ minLength: 1 }),
    type: Type.Optional(Type.Union(['direct', 'topic', 'fanout', 'headers'].map((t) => Type.Literal(t)))),
    routing_keys: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  }, { additionalProperties: false })),
  prefetch: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
}, { additionalProperties: false });

const NatsSource = Type.Object({
  ...sourceCommon,
  type: Type.Literal('nats'),
  servers: Type.Optional(Type.String({ minLength: 1 })),
  subject: Type.String({ minLength: 1 }),
  /** JetStream: the stream (created over `subject` when missing) and the durable consumer name. */
  stream: Type.Optional(Type.String({ pattern: '^[\\w-]+$' })),
  durable: Type.Optional(Type.String({ pattern: '^[\\w-]+$' })),
  ack_wait_seconds: Type.Optional(Type.Number({ minimum: 1 })),
}, { additionalProperties: false });

const RedisStreamSource = Type.Object({
  ...sourceCommon,
  type: Type.Literal('redis-stream'),
  url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  stream: Type.String({ minLength: 1 }),
  group: Type.String({ minLength: 1 }),
  consumer: Type.Optional(Type.String({ minLength: 1 })),
  /** The entry field holding the message body; an entry without it becomes its whole field map. */
  field: Type.Optional(Type.String({ minLength: 1 })),
  /** Entries left unacknowledged this long by a dead consumer are claimed again. */
  claim_idle_ms: Type.Optional(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });

export type CodeSensorSpec = Static<typeof CodeSensor>;
export type MqttSourceSpec = Static<typeof MqttSource>;
export type AmqpSourceSpec = Static<typeof AmqpSource>;
export type NatsSourceSpec = Static<typeof NatsSource>;
export type RedisStreamSourceSpec = Static<typeof RedisStreamSource>;
export type SourceSpec = MqttSourceSpec | AmqpSourceSpec | NatsSourceSpec | RedisStreamSourceSpec;

const sourceSchemas: Record<Exclude<SensorKind, 'code'>, TSchema> = {
  mqtt: MqttSource, amqp: AmqpSource, nats: NatsSource, 'redis-stream': RedisStreamSource,
};

/** A checked sensor file, ready to store. `definition` is the spec plus the resolved trigger. */
export interface SensorDefinition {
  ref: string;
  pack: string;
  name: string;
  kind: SensorKind;
  file: string;
  enabled: boolean;
  definition: Record<string, unknown> & { trigger_types: string[]; trigger?: string };
  triggerTypes: TriggerType[];
}

/** Compiled once per node (never module state): the sensor file checks. */
export interface SensorSchemas {
  code: Validator;
  sources: Record<string, Validator>;
}

export function compileSensorSchemas(): SensorSchemas {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return {
    code: lazyValidator(ajv, CodeSensor),
    sources: Object.fromEntries(Object.entries(sourceSchemas).map(([k, s]) => [k, lazyValidator(ajv, s)])),
  };
}

/** Checks one sensor file; returns its definition or its problems (never throws on bad input). */
export function checkSensorFile(schemas: SensorSchemas, dir: string, pack: string, file: string, text: string, now: number): { sensor?: SensorDefinition; problems: Problem[] } {
  const y = parseYaml(file, text);
  if (y.problems.length) return { problems: y.problems };
  const d = y.data as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return { problems: [{ file, line: 1, message: 'must hold a YAML mapping' }] };
  const kind = d.type === undefined ? 'code' : d.type;
  const check = kind === 'code' ? schemas.code : schemas.sources[String(kind)];
  if (!check) {
    return { problems: [{ file, line: y.lineOf(['type']), field: 'type', message: `must be one of ${Object.keys(sourceSchemas).join(', ')} (got ${JSON.stringify(kind)}), or absent for a code sensor` }] };
  }
  if (!check(d)) return { problems: ajvProblems(check.errors ?? [], d, { file, lineOf: y.lineOf }) };
  const problems: Problem[] = [];
  const types = ((d.trigger_types ?? []) as Array<Static<typeof TriggerTypeSpec>>).map((t): TriggerType => ({
    ref: t.name.includes('.') ? t.name : `${pack}.${t.name}`,
    pack, name: t.name, description: t.description ?? '',
    payload_schema: t.payload_schema ?? {}, parameters_schema: t.parameters_schema ?? {},
    metadata: { file }, updated_at: now,
  }));
  const name = kind === 'code' ? (d.class_name as string) : (d.name as string);
  if (kind === 'code') {
    const entry = d.entry_point as string;
    if (!/\.(m?js|cjs)$/.test(entry) && !isTypeScriptModule(entry)) problems.push({ file, line: y.lineOf(['entry_point']), field: 'entry_point', message: `must be a JavaScript or TypeScript module (.js, .mjs, .cjs, .ts, .mts) (got ${JSON.stringify(entry)})` });
    else if (!existsSync(join(dir, 'sensors', entry))) problems.push({ file, line: y.lineOf(['entry_point']), field: 'entry_point', message: `names sensors/${entry}, which does not exist` });
  }
  let trigger: string | undefined;
  if (kind !== 'code') {
    trigger = (d.trigger as string | undefined) ?? types[0]?.ref;
    if (trigger === undefined) problems.push({ file, line: y.lineOf(['name']), field: 'trigger', message: 'is needed: name the trigger type to dispatch, or declare one in trigger_types' });
    else if (!trigger.includes('.')) trigger = `${pack}.${trigger}`;
  }
  if (problems.length) return { problems };
  const { trigger_types: _declared, ...rest } = d;
  return {
    problems: [],
    sensor: {
      ref: `${pack}.${name}`, pack, name, kind: kind as SensorKind, file,
      enabled: d.enabled !== false,
      definition: { ...rest, ...(trigger ? { trigger } : {}), trigger_types: types.map((t) => t.ref) },
      triggerTypes: types,
    },
  };
}

/** Reads and checks every sensors/*.yaml of the pack in `dir` (and a TypeScript entry point's syntax). */
export async function loadPackSensors(schemas: SensorSchemas, dir: string, pack: string, now: number): Promise<{ sensors: SensorDefinition[]; problems: Problem[] }> {
  const sensors: SensorDefinition[] = [];
  const problems: Problem[] = [];
  for (const file of await packYamlFiles(dir, 'sensors')) {
    const r = checkSensorFile(schemas, dir, pack, file, await readFile(join(dir, file), 'utf8'), now);
    problems.push(...r.problems);
    if (!r.sensor) continue;
    sensors.push(r.sensor);
    const entry = r.sensor.kind === 'code' ? join(dir, 'sensors', String(r.sensor.definition.entry_point)) : null;
    if (entry && isTypeScriptModule(entry)) problems.push(...(await checkTypeScriptModules(entry, dir)));
  }
  const seen = new Map<string, string>();
  for (const s of sensors) {
    const other = seen.get(s.ref);
    if (other) problems.push({ file: s.file, line: 1, message: `declares sensor ${s.ref}, already declared in ${other}` });
    seen.set(s.ref, s.file);
  }
  return { sensors, problems };
}
