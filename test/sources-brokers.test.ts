// The built-in message-bus sources against the real brokers on this machine: each message
// becomes a trigger instance (topic/subject/routing key + parsed payload); AMQP, NATS and
// Redis acknowledge only after the commit (a message whose commit fails is redelivered and
// stored once it can be), and a redelivered message is stored once (delivery id dedupe).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { connect as natsConnect } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEventDeps, dispatchTriggerInstance } from '../src/events/index.js';
import { brokerAddress, describeBroker } from './helpers/brokers.js';
import { startTestServer, until, type TestServer } from './helpers/server.js';

const id = randomBytes(4).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'squall-sources-'));
const late = `sourcestest.late_${id}`;

function writePack(withLateType: boolean): void {
  const files: Record<string, string> = {
    'pack.yaml': 'name: sourcestest\ndescription: message-bus sources under test\nversion: 1.0.0\nauthor: Squall\nemail: squall@example.com\n',
    'sensors/buttons.yaml': `name: buttons\ntype: mqtt\nurl: ${brokerAddress.mqtt.url}\ntopics: ["squalltest/${id}/+/button"]\nqos: 1\ntrigger_types:\n  - name: button\n`,
    'sensors/buttons_late.yaml': `name: buttons_late\ntype: mqtt\nurl: ${brokerAddress.mqtt.url}\ntopics: ["squalltestlate/${id}"]\nqos: 1\ntrigger: ${late}\n`,
    'sensors/alerts.yaml': `name: alerts\ntype: amqp\nurl: ${brokerAddress.amqp.url}\nqueue: squalltest-${id}\nexchange:\n  name: squalltest-${id}\n  type: topic\n  routing_keys: ["alerts.#"]\ntrigger_types:\n  - name: alert\n`,
    'sensors/alerts_late.yaml': `name: alerts_late\ntype: amqp\nurl: ${brokerAddress.amqp.url}\nqueue: squalltest-late-${id}\ntrigger: ${late}\n`
      + (withLateType ? `trigger_types:\n  - name: late_${id}\n` : ''),
    'sensors/events.yaml': `name: events\ntype: nats\nservers: ${brokerAddress.nats.url}\nsubject: squalltest.${id}.>\nstream: SQUALLTEST_${id}\ndurable: squall\ntrigger_types:\n  - name: event\n`,
    'sensors/events_late.yaml': `name: events_late\ntype: nats\nservers: ${brokerAddress.nats.url}\nsubject: squalltestlate.${id}\nstream: SQUALLTESTLATE_${id}\ndurable: squall\nack_wait_seconds: 1\ntrigger: ${late}\n`,
    'sensors/events_pending.yaml': `name: events_pending\ntype: nats\nenabled: false\nservers: ${brokerAddress.nats.url}\nsubject: squalltestpending.${id}\nstream: SQUALLTESTPENDING_${id}\ndurable: squall\ntrigger: sourcestest.event\n`,
    'sensors/orders.yaml': `name: orders\ntype: redis-stream\nurl: ${brokerAddress.redis.url}\nstream: squalltest:${id}:orders\ngroup: squall\ntrigger_types:\n  - name: order\n`,
    'sensors/orders_late.yaml': `name: orders_late\ntype: redis-stream\nurl: ${brokerAddress.redis.url}\nstream: squalltest:${id}:late\ngroup: squall\ntrigger: ${late}\n`,
    'sensors/orders_pending.yaml': `name: orders_pending\ntype: redis-stream\nenabled: false\nurl: ${brokerAddress.redis.url}\nstream: squalltest:${id}:pending\ngroup: squall\nconsumer: c1\ntrigger: sourcestest.order\n`,
  };
  mkdirSync(join(dir, 'sensors'), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
}

let server: TestServer;
type Instance = { id: string; payload: Record<string, any>; delivery_id: string | null };
const instances = async (type: string) => (await server.call<Instance[]>('GET', `/triggerinstances?trigger_type=${type}&limit=500`)).body;
const sensor = async (ref: string) => (await server.call<{ state: string; restarts: number; last_error: string | null }>('GET', `/sensortypes/${ref}`)).body;

beforeAll(async () => {
  writePack(false);
  server = await startTestServer('sqlite', { packs: [dir] });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  // Leave the shared brokers as found: this run's queues, exchanges, streams and keys go.
  const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);
  await quiet((async () => {
    const conn = await amqp.connect(brokerAddress.amqp.url);
    const ch = await conn.createChannel();
    for (const q of [`squalltest-${id}`, `squalltest-late-${id}`]) await ch.deleteQueue(q);
    await ch.deleteExchange(`squalltest-${id}`);
    await conn.close();
  })());
  await quiet((async () => {
    const nc = await natsConnect({ servers: brokerAddress.nats.url });
    const jsm = await nc.jetstreamManager();
    for (const st of [`SQUALLTEST_${id}`, `SQUALLTESTLATE_${id}`, `SQUALLTESTPENDING_${id}`]) await quiet(jsm.streams.delete(st));
    await nc.close();
  })());
  await quiet((async () => {
    const redis = new Redis(brokerAddress.redis.url);
    await redis.del(`squalltest:${id}:orders`, `squalltest:${id}:late`, `squalltest:${id}:pending`);
    redis.disconnect();
  })());
});

await describeBroker('mqtt', 'MQTT source (Mosquitto)', () => {
  it('turns messages on matching topics into trigger instances with the parsed payload', async () => {
    await until(async () => (await sensor('sourcestest.buttons')).state === 'running', 15_000, 'mqtt source running');
    const client = await mqtt.connectAsync(brokerAddress.mqtt.url, { clientId: `squalltest-pub-${id}` });
    for (let i = 0; i < 20; i++) await client.publishAsync(`squalltest/${id}/kitchen/button`, JSON.stringify({ press: i }), { qos: 1 });
    await client.publishAsync(`squalltest/${id}/hall/button`, 'long-press', { qos: 1 });
    await client.publishAsync(`squalltest/${id}/hall/door`, '{"open": true}', { qos: 1 });
    await client.endAsync();
    const list = await until(async () => {
      const l = await instances('sourcestest.button');
      return l.length >= 21 && l;
    }, 15_000, '21 instances');
    expect(list).toHaveLength(21);
    const kitchen = list.filter((i) => i.payload.topic === `squalltest/${id}/kitchen/button`).map((i) => i.payload.payload.press).sort((a, b) => a - b);
    expect(kitchen).toEqual([...Array(20).keys()]);
    expect(list.find((i) => i.payload.topic === `squalltest/${id}/hall/button`)!.payload).toMatchObject({ payload: 'long-press', qos: 1 });
  });
});

await describeBroker('amqp', 'AMQP source (RabbitMQ)', () => {
  it('turns messages bound through the exchange into trigger instances, acks them, dedupes by message id', async () => {
    await until(async () => (await sensor('sourcestest.alerts')).state === 'running', 15_000, 'amqp source running');
    const conn = await amqp.connect(brokerAddress.amqp.url);
    const ch = await conn.createConfirmChannel();
    const ex = `squalltest-${id}`;
    ch.publish(ex, 'alerts.disk.full', Buffer.from(JSON.stringify({ host: 'db-1', pct: 97 })), { messageId: `m-1-${id}` });
    ch.publish(ex, 'alerts.cpu', Buffer.from('plain text'), { messageId: `m-2-${id}` });
    // The same message id again, as a broker redelivers after a lost ack: stored once.
    ch.publish(ex, 'alerts.disk.full', Buffer.from(JSON.stringify({ host: 'db-1', pct: 97 })), { messageId: `m-1-${id}` });
    ch.publish(ex, 'metrics.cpu', Buffer.from('{}'), { messageId: `m-3-${id}` });
    await ch.waitForConfirms();
    const list = await until(async () => {
      const l = await instances('sourcestest.alert');
      return l.length >= 2 && l;
    }, 15_000, 'two alert instances');
    const disk = list.find((i) => i.payload.routing_key === 'alerts.disk.full')!;
    expect(disk.payload).toMatchObject({ exchange: ex, payload: { host: 'db-1', pct: 97 }, message_id: `m-1-${id}` });
    expect(disk.delivery_id).toBe(`m-1-${id}`);
    expect(list.find((i) => i.payload.routing_key === 'alerts.cpu')!.payload.payload).toBe('plain text');
    // Every message was acked (none left ready or unacked) and the duplicate stored nothing.
    await until(async () => (await ch.checkQueue(`squalltest-${id}`)).messageCount === 0, 10_000, 'queue drained');
    expect(await instances('sourcestest.alert')).toHaveLength(2);
    await conn.close();
  });
});

await describeBroker('nats', 'NATS JetStream source', () => {
  it('turns stream messages into trigger instances through a durable consumer', async () => {
    await until(async () => (await sensor('sourcestest.events')).state === 'running', 15_000, 'nats source running');
    const nc = await natsConnect({ servers: brokerAddress.nats.url });
    const js = nc.jetstream();
    for (let i = 0; i < 5; i++) await js.publish(`squalltest.${id}.deploy.web`, new TextEncoder().encode(JSON.stringify({ n: i })));
    await js.publish(`squalltest.${id}.note`, new TextEncoder().encode('hello'), { msgID: `note-${id}` });
    const list = await until(async () => {
      const l = await instances('sourcestest.event');
      return l.length >= 6 && l;
    }, 15_000, 'six event instances');
    expect(list).toHaveLength(6);
    expect(list.filter((i) => i.payload.subject === `squalltest.${id}.deploy.web`).map((i) => i.payload.payload.n).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(list.find((i) => i.payload.subject === `squalltest.${id}.note`)!).toMatchObject({ delivery_id: `note-${id}`, payload: { payload: 'hello' } });
    // All acked: the durable consumer has nothing pending.
    const jsm = await nc.jetstreamManager();
    await until(async () => (await jsm.consumers.info(`SQUALLTEST_${id}`, 'squall')).num_ack_pending === 0, 10_000, 'nothing pending');
    await nc.close();
  });
});

await describeBroker('nats', 'NATS JetStream redelivery', () => {
  it('a message committed but never acked is acked on redelivery without a second instance', async () => {
    const nc = await natsConnect({ servers: brokerAddress.nats.url });
    const jsm = await nc.jetstreamManager();
    const stream = `SQUALLTESTPENDING_${id}`;
    await jsm.streams.add({ name: stream, subjects: [`squalltestpending.${id}`] });
    const ack = await nc.jetstream().publish(`squalltestpending.${id}`, new TextEncoder().encode('{"n": 7}'));
    // Its trigger instance was committed before a crash that lost the ack.
    const events = createEventDeps(() => Date.now());
    const first = await server.store.tx((tx) => dispatchTriggerInstance(tx, events, { trigger: 'sourcestest.event', payload: { subject: `squalltestpending.${id}`, payload: { n: 7 } }, deliveryId: `${stream}:${ack.seq}` }));
    expect((await server.call('POST', '/sensortypes/sourcestest.events_pending/enable')).status).toBe(200);
    await until(async () => {
      const info = await jsm.consumers.info(stream, 'squall').catch(() => null);
      return info !== null && info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq >= ack.seq;
    }, 15_000, 'the message delivered and acked');
    const mine = (await instances('sourcestest.event')).filter((i) => i.delivery_id === `${stream}:${ack.seq}`);
    expect(mine.map((i) => i.id)).toEqual([first.instance.id]);
    await nc.close();
  });
});

await describeBroker('redis', 'Redis Streams source', () => {
  it('turns stream entries into trigger instances and XACKs them', async () => {
    await until(async () => (await sensor('sourcestest.orders')).state === 'running', 15_000, 'redis source running');
    const redis = new Redis(brokerAddress.redis.url);
    const stream = `squalltest:${id}:orders`;
    const a = await redis.xadd(stream, '*', 'payload', JSON.stringify({ order: 1 }));
    await redis.xadd(stream, '*', 'sku', 'x-1', 'qty', '2');
    const list = await until(async () => {
      const l = await instances('sourcestest.order');
      return l.length >= 2 && l;
    }, 15_000, 'two order instances');
    expect(list.find((i) => i.payload.id === a)!).toMatchObject({ delivery_id: `${stream}:${a}`, payload: { stream, payload: { order: 1 } } });
    expect(list.find((i) => i.payload.id !== a)!.payload.payload).toEqual({ sku: 'x-1', qty: '2' });
    await until(async () => ((await redis.xpending(stream, 'squall')) as [number])[0] === 0, 10_000, 'all entries acked');
    redis.disconnect();
  });

  it('an entry committed but never acked (crash between commit and XACK) is acked on redelivery without a second instance', async () => {
    const redis = new Redis(brokerAddress.redis.url);
    const stream = `squalltest:${id}:pending`;
    await redis.xgroup('CREATE', stream, 'squall', '0', 'MKSTREAM');
    const entry = await redis.xadd(stream, '*', 'payload', '{"order": 42}');
    // Delivered to consumer c1, as before a crash …
    await redis.xreadgroup('GROUP', 'squall', 'c1', 'COUNT', 10, 'STREAMS', stream, '>');
    // … after its trigger instance was committed.
    const events = createEventDeps(() => Date.now());
    const first = await server.store.tx((tx) => dispatchTriggerInstance(tx, events, { trigger: 'sourcestest.order', payload: { stream, id: entry, payload: { order: 42 } }, deliveryId: `${stream}:${entry}` }));
    expect((await server.call('POST', '/sensortypes/sourcestest.orders_pending/enable')).status).toBe(200);
    await until(async () => ((await redis.xpending(stream, 'squall')) as [number])[0] === 0, 15_000, 'the pending entry acked');
    const mine = (await instances('sourcestest.order')).filter((i) => i.delivery_id === `${stream}:${entry}`);
    expect(mine.map((i) => i.id)).toEqual([first.instance.id]);
    redis.disconnect();
  });
});

// One test for the four acking brokers: their "late" sources dispatch to a trigger type that
// does not exist yet, so every commit fails and nothing may be acked; once the type exists
// (pack registered again) each message arrives exactly once.
await describeBroker(['mqtt', 'amqp', 'nats', 'redis'], 'ack only after commit (MQTT QoS 1, AMQP, NATS JetStream, Redis Streams)', () => {
  it('redelivers messages whose commit failed, then stores each once', async () => {
    const conn = await amqp.connect(brokerAddress.amqp.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(`squalltest-late-${id}`, { durable: true });
    ch.sendToQueue(`squalltest-late-${id}`, Buffer.from('{"from": "amqp"}'), { messageId: `late-${id}` });
    await ch.waitForConfirms();
    const nc = await natsConnect({ servers: brokerAddress.nats.url });
    await until(async () => (await sensor('sourcestest.events_late')).state !== 'starting', 15_000);
    const jsm = await nc.jetstreamManager();
    await until(async () => jsm.streams.info(`SQUALLTESTLATE_${id}`).then(() => true, () => false), 15_000, 'late stream');
    await nc.jetstream().publish(`squalltestlate.${id}`, new TextEncoder().encode('{"from": "nats"}'));
    const redis = new Redis(brokerAddress.redis.url);
    await redis.xadd(`squalltest:${id}:late`, '*', 'payload', '{"from": "redis"}');
    await until(async () => (await sensor('sourcestest.buttons_late')).state === 'running', 15_000, 'mqtt late source running');
    const mq = await mqtt.connectAsync(brokerAddress.mqtt.url);
    await mq.publishAsync(`squalltestlate/${id}`, '{"from": "mqtt"}', { qos: 1 });
    await mq.endAsync();

    for (const ref of ['sourcestest.alerts_late', 'sourcestest.buttons_late', 'sourcestest.events_late', 'sourcestest.orders_late']) {
      const s = await until(async () => {
        const x = await sensor(ref);
        return x.restarts >= 1 && x.last_error?.includes(late) && x;
      }, 20_000, `${ref} to fail on the missing trigger type`);
      expect(s.last_error).toContain('no trigger');
    }
    expect(await instances(late)).toHaveLength(0);
    // Not acked: still at the broker.
    expect(((await redis.xpending(`squalltest:${id}:late`, 'squall')) as [number])[0]).toBe(1);

    writePack(true);
    expect((await server.call('POST', '/packs/register', { path: dir })).status).toBe(201);
    const list = await until(async () => {
      const l = await instances(late);
      return l.length >= 4 && l;
    }, 40_000, 'the four messages after the trigger type exists');
    await new Promise((r) => setTimeout(r, 1_000));
    const again = await instances(late);
    expect(again).toHaveLength(4);
    expect(list.map((i) => i.payload.payload.from).sort()).toEqual(['amqp', 'mqtt', 'nats', 'redis']);
    await until(async () => ((await redis.xpending(`squalltest:${id}:late`, 'squall')) as [number])[0] === 0, 10_000, 'redis entry acked');
    await until(async () => (await ch.checkQueue(`squalltest-late-${id}`)).messageCount === 0, 10_000, 'amqp queue drained');
    redis.disconnect();
    await nc.close();
    await conn.close();
  });
});
