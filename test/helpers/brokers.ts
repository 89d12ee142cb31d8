// The message brokers on this machine, probed once per test file like PostgreSQL in
// backends.ts: a suite whose broker is down is skipped with the reason printed, and fails
// instead when SQUALL_REQUIRE_SERVICES=1 (CI).
import { connect } from 'node:net';
import { describe, it } from 'vitest';

export type Broker = 'mqtt' | 'amqp' | 'nats' | 'redis';

export const brokerAddress: Record<Broker, { host: string; port: number; url: string }> = {
  mqtt: { host: '127.0.0.1', port: 1883, url: process.env.SQUALL_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883' },
  amqp: { host: '127.0.0.1', port: 5672, url: process.env.SQUALL_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
  nats: { host: '127.0.0.1', port: 4222, url: process.env.SQUALL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222' },
  redis: { host: '127.0.0.1', port: 6379, url: process.env.SQUALL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' },
};

/** Null when a TCP connection to the broker opens within 2 s, else why not. */
export function probeBroker(broker: Broker): Promise<string | null> {
  const { host, port } = brokerAddress[broker];
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.once('connect', () => done(null));
    socket.once('timeout', () => done(`${broker} at ${host}:${port} did not answer within 2 s`));
    socket.once('error', (err) => done(`${broker} at ${host}:${port} is unreachable: ${err.message}`));
  });
}

/** `describe(title)` when the broker(s) answer; skipped (or failing under SQUALL_REQUIRE_SERVICES=1) when not. */
export async function describeBroker(brokers: Broker | Broker[], title: string, fn: () => void): Promise<void> {
  const list = Array.isArray(brokers) ? brokers : [brokers];
  const problems = (await Promise.all(list.map(probeBroker))).filter((p): p is string => p !== null);
  const problem = problems.length ? problems.join('; ') : null;
  const broker = list.join(', ');
  if (problem === null) {
    describe(title, fn);
  } else if (process.env.SQUALL_REQUIRE_SERVICES === '1') {
    describe(title, () => it(`needs ${broker} (SQUALL_REQUIRE_SERVICES=1)`, () => {
      throw new Error(problem);
    }));
  } else {
    process.stderr.write(`skipping "${title}": ${problem}\n`);
    describe.skip(`${title} — skipped: ${problem}`, fn);
  }
}
