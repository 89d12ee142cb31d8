// Runs one action through the API of a test server and waits for it to end.
import { expect } from 'vitest';
import { until, type TestServer } from './helpers/server.js';

/** The ended execution and its stored output lines. */
export async function runAction(s: TestServer, action: string, parameters: Record<string, unknown>, ms = 20_000) {
  const created = await s.call('POST', '/executions', { action, parameters });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const done = await until(async () => {
    const e = (await s.call('GET', `/executions/${id}`)).body;
    return ['succeeded', 'failed', 'timeout', 'canceled'].includes(e.status) ? e : undefined;
  }, ms, `execution ${action} to end`);
  const output = (await s.call('GET', `/executions/${id}/output`)).body.lines as Array<{ stream: string; data: string }>;
  return { execution: done, output };
}

