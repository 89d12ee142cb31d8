// The built-in message-bus sources: MQTT, AMQP 0-9-1, NATS (JetStream) and Redis Streams.
// Each turns messages into trigger instances and acknowledges a message only after the
// transaction holding its instance committed; a redelivery is stored once thanks to the
// broker's message id used as the delivery id.
import type { NatsConnection } from 'nats';
import type { AmqpSourceSpec, MqttSourceSpec, NatsSourceSpec, RedisStreamSourceSpec, SourceSpec } from './definition.js';
import { doneSignal, errorText, parseBody, type RunningSource, type SourceContext } from './bus-message.js';
import { createBatcher } from '../store/batcher.js';

/** Starts the source a sensor file describes; resolves once it is connected and subscribed. */
export function startSource(spec: SourceSpec, ctx: SourceContext): Promise<RunningSource> {
  switch (spec.type) {
    case 'mqtt': return startMqtt(spec, ctx);
    case 'amqp': return startAmqp(spec, ctx);
    case 'nats': return startNats(spec, ctx);
    case 'redis-stream': return startRedisStream(spec, ctx);
  }
}

// MQTT: a persistent session (fixed client id, clean: false, session kept an hour) so QoS 1
// messages published while the sensor is down wait at the broker; a QoS 1 message is
// acknowledged only once its trigger instance is committed. A publisher's MQTT v5 user
// property message-id (or message_id) is the delivery id; MQTT has no other stable id.
async function startMqtt(spec: MqttSourceSpec, ctx: SourceContext): Promise<RunningSource> {
  const { done, finish } = doneSignal();
  // Broker clients load when a source of theirs starts, not with every server and CLI.
  const { default: mqtt } = await import('mqtt');
  const client = mqtt.connect(spec.url ?? 'mqtt://127.0.0.1:1883', {
    clientId: spec.client_id ?? `squall-${ctx.ref}`.slice(0, 64),
    username: spec.username, password: spec.password,
    clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600, receiveMaximum: 65535 },
    reconnectPeriod: 0, connectTimeout: 10_000,
  });
  const deliver = createBatcher(ctx.commit);
  // mqtt.js handles one packet at a time and sends a PUBACK when handleMessage calls back,
  // which would make each message wait for its own commit (about 1 ms on SQLite: at most
  // ~1,000 messages/s). Instead handleMessage returns at once and the PUBACK itself waits
  // for the commit of its message: acks still leave in arrival order and only after the
  // instance is stored, while the messages arriving meanwhile share the next transaction.
  const committing = new Map<number, Promise<void>>();
  type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, ...rest: unknown[]) => void;
  const raw = client as unknown as { _sendPacket: SendPacket };
  const sendPacket = raw._sendPacket.bind(client);
  raw._sendPacket = (packet, cb, ...rest) => {
    const commit = packet.cmd === 'puback' && packet.messageId !== undefined ? committing.get(packet.messageId) : undefined;
    if (!commit) return sendPacket(packet, cb, ...rest);
    committing.delete(packet.messageId!);
    cb?.();
    // A failed commit sends no PUBACK: the broker redelivers after the reconnect.
    commit.then(() => sendPacket(packet, undefined, ...rest), () => undefined);
  };
  client.handleMessage = (packet, callback) => {
    const props = packet.properties?.userProperties as Record<string, string | string[]> | undefined;
    const id = props?.['message-id'] ?? props?.message_id;
    const stored = deliver({
      payload: { topic: packet.topic, payload: parseBody(packet.payload as Buffer), qos: packet.qos, retain: packet.retain },
      deliveryId: typeof id === 'string' ? id : null,
    });
    stored.catch((err) => fail(err));
    if (packet.qos === 2) {
      // QoS 2 completes on PUBREL; keep it simple and ordered: call back after the commit.
      stored.then(() => callback(), (err) => callback(err as Error));
      return;
    }
    if (packet.qos === 1 && packet.messageId !== undefined) committing.set(packet.messageId, stored);
    callback();
  };
  const fail = (err: unknown) => {
    finish(errorText(err));
    client.end(true);
  };
  client.on('error', fail);
  client.on('close', () => finish('connection to the MQTT broker closed'));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(spec.topics, { qos: spec.qos ?? 1 });
  return {
    done,
    async stop() {
      finish(null);
      await client.endAsync();
    },
  };
}

// AMQP 0-9-1: a durable queue (bound to the exchange when one is named), manual acks.
async function startAmqp(spec: AmqpSourceSpec, ctx: SourceContext): Promise<RunningSource> {
  const { done, finish } = doneSignal();
  const { default: amqp } = await import('amqplib');
  const conn = await amqp.connect(spec.url ?? 'amqp://guest:guest@127.0.0.1:5672');
  conn.on('error', (err) => finish(errorText(err)));
  conn.on('close', () => finish('connection to the AMQP broker closed'));
  const ch = await conn.createChannel();
  ch.on('error', (err) => finish(errorText(err)));
  await ch.assertQueue(spec.queue, { durable: true });
  if (spec.exchange) {
    await ch.assertExchange(spec.exchange.name, spec.exchange.type ?? 'topic', { durable: true });
    for (const key of spec.exchange.routing_keys ?? ['#']) await ch.bindQueue(spec.queue, spec.exchange.name, key);
  }
  await ch.prefetch(spec.prefetch ?? 256);
  const deliver = createBatcher(ctx.commit);
  await ch.consume(spec.queue, (msg) => {
    if (!msg) return finish('the AMQP broker cancelled the consumer');
    const id = msg.properties.messageId as string | undefined;
    deliver({
      payload: {
        routing_key: msg.fields.routingKey, exchange: msg.fields.exchange, queue: spec.queue,
        payload: parseBody(msg.content), headers: msg.properties.headers ?? {}, message_id: id ?? null,
        redelivered: msg.fields.redelivered,
      },
      deliveryId: id ?? null,
    }).then(() => ch.ack(msg), (err) => {
      // Not committed: the broker redelivers it once this connection is gone.
      finish(errorText(err));
      void conn.close().catch(() => undefined);
    });
  }, { noAck: false });
  return {
    done,
    async stop() {
      finish(null);
      await conn.close().catch(() => undefined);
    },
  };
}

// NATS: with `stream` and `durable`, a JetStream durable consumer with explicit acks (the
// stream is created over `subject` when missing); without, a plain subscription (at most
// once, as core NATS is). The delivery id is Nats-Msg-Id when the publisher set one, else
// the stream sequence, which a redelivery keeps.
async function startNats(spec: NatsSourceSpec, ctx: SourceContext): Promise<RunningSource> {
  const { done, finish } = doneSignal();
  const { AckPolicy, connect: natsConnect, nanos } = await import('nats');
  const nc: NatsConnection = await natsConnect({ servers: spec.servers ?? '127.0.0.1:4222', name: `squall-${ctx.ref}`, reconnect: false });
  void nc.closed().then((err) => finish(err ? errorText(err) : 'connection to NATS closed'));
  const deliver = createBatcher(ctx.commit);
  if (spec.stream && spec.durable) {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.info(spec.stream).catch(() => jsm.streams.add({ name: spec.stream!, subjects: [spec.subject] }));
    await jsm.consumers.info(spec.stream, spec.durable).catch(() => jsm.consumers.add(spec.stream!, {
      durable_name: spec.durable, ack_policy: AckPolicy.Explicit, filter_subject: spec.subject,
      ack_wait: nanos((spec.ack_wait_seconds ?? 30) * 1000),
    }));
    const consumer = await nc.jetstream().consumers.get(spec.stream, spec.durable);
    const messages = await consumer.consume({ max_messages: 256 });
    void (async () => {
      for await (const m of messages) {
        const id = m.headers?.get('Nats-Msg-Id') || `${spec.stream}:${m.seq}`;
        deliver({ payload: { subject: m.subject, payload: parseBody(m.data), stream_seq: m.seq, redelivered: m.redelivered }, deliveryId: id })
          .then(() => m.ack(), (err) => {
            finish(errorText(err));
            void nc.close();
          });
      }
    })().catch((err) => finish(errorText(err)));
  } else {
    const sub = nc.subscribe(spec.subject);
    void (async () => {
      for await (const m of sub) {
        deliver({ payload: { subject: m.subject, payload: parseBody(m.data) }, deliveryId: m.headers?.get('Nats-Msg-Id') || null })
          .catch((err) => finish(errorText(err)));
      }
    })();
  }
  return {
    done,
    async stop() {
      finish(null);
      await nc.drain().catch(() => nc.close());
    },
  };
}

// Redis Streams: a consumer group; entries are XACKed after the commit. On start the
// consumer first re-reads its own pending entries (delivered before a crash, never acked),
// and entries another consumer left pending longer than claim_idle_ms are claimed.
async function startRedisStream(spec: RedisStreamSourceSpec, ctx: SourceContext): Promise<RunningSource> {
  const { done, finish } = doneSignal();
  const { Redis } = await import('ioredis');
  const redis = new Redis(spec.url ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', (err) => finish(errorText(err)));
  await redis.connect();
  await redis.xgroup('CREATE', spec.stream, spec.group, '0', 'MKSTREAM').catch((err: Error) => {
    if (!/BUSYGROUP/.test(err.message)) throw err;
  });
  const consumer = spec.consumer ?? ctx.node;
  const field = spec.field ?? 'payload';
  let stopping = false;
  const handle = async (entries: Array<[string, string[]]>) => {
    const batch = entries.map(([id, fields]) => {
      const map: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
      const body = field in map ? parseBody(map[field]!) : map;
      return { payload: { stream: spec.stream, id, payload: body, fields: map }, deliveryId: `${spec.stream}:${id}` };
    });
    if (batch.length === 0) return;
    await ctx.commit(batch);
    await redis.xack(spec.stream, spec.group, ...entries.map(([id]) => id));
  };
  const read = async (from: string) => {
    const res = await redis.xreadgroup('GROUP', spec.group, consumer, 'COUNT', 256, 'BLOCK', from === '>' ? 1000 : 1, 'STREAMS', spec.stream, from) as Array<[string, Array<[string, string[]]>]> | null;
    return res?.[0]?.[1] ?? [];
  };
  void (async () => {
    // Our own pending entries first: delivered to this consumer before, never acked.
    for (let pending = await read('0'); pending.length; pending = await read('0')) await handle(pending.filter((e) => e[1] !== null));
    let lastClaim = 0;
    while (!stopping) {
      if (Date.now() - lastClaim > (spec.claim_idle_ms ?? 60_000)) {
        lastClaim = Date.now();
        const claimed = await redis.xautoclaim(spec.stream, spec.group, consumer, spec.claim_idle_ms ?? 60_000, '0-0', 'COUNT', 256) as [string, Array<[string, string[]]>];
        await handle(claimed[1].filter((e) => e[1] !== null));
      }
      await handle(await read('>'));
    }
  })().catch((err) => {
    if (!stopping) finish(errorText(err));
  });
  return {
    done,
    async stop() {
      stopping = true;
      finish(null);
      redis.disconnect();
    },
  };
}
