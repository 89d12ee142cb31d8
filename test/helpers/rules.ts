// Rule journeys through the API: the enforcements the rules engine decided for a query, and
// the executions they started, waited for with a deadline.
import { until, type TestServer } from './server.js';

type Json = any;

export function rulesHelpers(server: () => TestServer) {
  const call = (method: string, path: string, body?: unknown) => server().call(method, path, body);
  /** GET /ruleenforcements?<q>. */
  const enforcements = async (q: string) => (await call('GET', `/ruleenforcements?${q}`)).body as Json[];
  /** Waits until at least `n` enforcements match `q`. */
  const decided = (q: string, n = 1) => until(async () => {
    const list = await enforcements(q);
    return list.length >= n && list;
  }, 15_000, `${n} enforcement(s) for ${q}`);
  /** Waits until execution `id` succeeded or failed. */
  const finished = (id: string) => until(async () => {
    const e = (await call('GET', `/executions/${id}`)).body;
    return ['succeeded', 'failed'].includes(e.status) && e;
  }, 15_000, `execution ${id}`);
  return { call, enforcements, decided, finished };
}
