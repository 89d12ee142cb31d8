// A load generator over real loopback HTTP: `inFlight` workers POST executions and wait
// for each to end, observed on one SSE stream (as a UI or a CLI would see it).
import { ApiClient } from '../src/cli/client.js';
import { isTerminal, type ExecutionStatus } from '../src/executions/status.js';

type Json = Record<string, unknown>;

export interface LoadResult {
  count: number;
  seconds: number;
  perSecond: number;
  failed: number;
}

export async function runLoad(url: string, apiKey: string, body: Json, total: number, inFlight: number): Promise<LoadResult> {
  const waiting = new Map<string, (status: string) => void>();
  const ended = new Map<string, string>();
  const controller = new AbortController();
  const client = new ApiClient({ url, apiKey });
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const pump = client.stream('events=execution', (_event, data) => {
    const e = data as { id: string; status: ExecutionStatus };
    if (isTerminal(e.status)) {
      const w = waiting.get(e.id);
      if (w) w(e.status);
      else ended.set(e.id, e.status);
    }
  }, controller.signal, opened);
  await open;
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < total) {
      next++;
      const res = await fetch(`${url}/api/v1/executions`, {
        method: 'POST',
        headers: { 'St2-Api-Key': apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const e = (await res.json()) as { id: string };
      if (res.status !== 201) throw new Error(`POST failed: ${res.status} ${JSON.stringify(e)}`);
      const status = ended.get(e.id) ?? (await new Promise<string>((resolve) => waiting.set(e.id, resolve)));
      waiting.delete(e.id);
      ended.delete(e.id);
      if (status !== 'succeeded') failed++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  controller.abort();
  await pump.catch(() => undefined);
  return { count: total, seconds, perSecond: total / seconds, failed };
}
