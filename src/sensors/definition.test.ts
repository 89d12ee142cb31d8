import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSensorFile, compileSensorSchemas } from './definition.js';

const schemas = compileSensorSchemas();
const dir = mkdtempSync(join(tmpdir(), 'squall-sensor-def-'));
mkdirSync(join(dir, 'sensors'));
writeFileSync(join(dir, 'sensors', 'watch.mjs'), 'export class Watch {}\n');
const check = (text: string, file = 'sensors/s.yaml') => checkSensorFile(schemas, dir, 'demo', file, text, 0);

describe('sensor files', () => {
  it('reads st2 sensor metadata and registers the declared trigger types in the pack', () => {
    const r = check('class_name: Watch\nentry_point: watch.mjs\npoll_interval: 30\ntrigger_types:\n  - name: changed\n    payload_schema: {type: object}\n');
    expect(r.problems).toEqual([]);
    expect(r.sensor).toMatchObject({ ref: 'demo.Watch', kind: 'code', enabled: true, definition: { class_name: 'Watch', poll_interval: 30, trigger_types: ['demo.changed'] } });
    expect(r.sensor!.triggerTypes[0]).toMatchObject({ ref: 'demo.changed', pack: 'demo', payload_schema: { type: 'object' } });
  });

  it('reads a message-bus source; its trigger is the declared type unless named', () => {
    const mqtt = check('name: buttons\ntype: mqtt\ntopics: ["home/+/button", "office/#"]\ntrigger_types:\n  - name: pressed\n');
    expect(mqtt.sensor).toMatchObject({ ref: 'demo.buttons', kind: 'mqtt', definition: { trigger: 'demo.pressed', topics: ['home/+/button', 'office/#'] } });
    expect(check('name: q\ntype: amqp\nqueue: jobs\ntrigger: other.thing\n').sensor!.definition.trigger).toBe('other.thing');
    expect(check('name: s\ntype: redis-stream\nstream: x\ngroup: g\ntrigger: local_type\n').sensor!.definition.trigger).toBe('demo.local_type');
  });

  it('reports each problem with file:line and field', () => {
    expect(check('class_name: Watch\nentry_point: watch.py\n').problems).toEqual([
      { file: 'sensors/s.yaml', line: 2, field: 'entry_point', message: 'must be a JavaScript or TypeScript module (.js, .mjs, .cjs, .ts, .mts) (got "watch.py")' },
    ]);
    expect(check('class_name: Gone\nentry_point: gone.mjs\n').problems[0]).toMatchObject({ line: 2, message: 'names sensors/gone.mjs, which does not exist' });
    const bad = check('name: b\ntype: mqtt\nqos: 3\ntopics: []\ntrigger: x\nport: 1883\n');
    expect(bad.problems.map((p) => `${p.line} ${p.field}`).sort()).toEqual(expect.arrayContaining(['3 qos', '4 topics']));
    expect(bad.problems.some((p) => p.field === 'port' || p.message.includes('port'))).toBe(true);
    expect(check('name: k\ntype: kafka\n').problems).toEqual([
      { file: 'sensors/s.yaml', line: 2, field: 'type', message: 'must be one of mqtt, amqp, nats, redis-stream (got "kafka"), or absent for a code sensor' },
    ]);
    expect(check('name: q\ntype: amqp\nqueue: jobs\n').problems[0]).toMatchObject({ line: 1, field: 'trigger' });
    expect(check('class_name: [unclosed\n').problems[0]).toMatchObject({ file: 'sensors/s.yaml', line: expect.any(Number) });
  });
});
