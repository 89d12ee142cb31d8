// Issue 7's figures. Datastore: 100,000 keys, `get` and a prefix listing of 1,000 of them,
// through the datastore service on each backend. Access control: the work authentication
// and the RBAC check add to a request (API key verified, grants checked; both cached as a
// running node caches them), beside whole requests through the real API (`inject()`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { createDatastore, getKey, listKeys } from '../src/datastore/index.js';
import { startServer } from '../src/server.js';
import { openStore } from '../src/store/index.js';
import { upsertKv } from '../src/store/kv.js';
import { PG_URL } from './platform.js';
import { median, type Benchmark, type Figure } from './harness.js';

const KEYS = 100_000;
const GROUP = 1_000;

/** Median milliseconds of `fn` over `n` calls (after a few warm-up calls). */
async function medianMs(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await fn(i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function datastoreFigures(label: string, url: string): Promise<Figure[]> {
  const home = mkdtempSync(join(tmpdir(), 'squall-kvbench-'));
  const store = await openStore({ url: url || join(home, 'squall.db') });
  try {
    const now = Date.now();
    // Keys k/g<group>/<n>: 100 groups of 1,000, seeded 5,000 to a transaction.
    for (let from = 0; from < KEYS; from += 5_000) {
      await store.tx(async (tx) => {
        for (let i = from; i < from + 5_000; i++) {
          await upsertKv(tx, { scope: 'system', owner: '', name: `k/g${Math.floor(i / GROUP)}/${i}`, value: `value ${i}`, is_json: 0, secret: 0, expire_at: null, created_at: now, updated_at: now });
        }
      });
    }
    const ds = createDatastore(store, home, Date.now);
    const get = await medianMs(2_000, (i) => {
      const n = (i * 7919) % KEYS;
      return getKey(ds, { scope: 'system', name: `k/g${Math.floor(n / GROUP)}/${n}` }, { decrypt: false });
    });
    const list = await medianMs(30, async (i) => {
      const found = await listKeys(ds, { scope: 'system', user: null, prefix: `k/g${(i * 37) % 100}/`, limit: GROUP, offset: 0, decrypt: false });
      if (found.length !== GROUP) throw new Error(`prefix listing found ${found.length} keys, not ${GROUP}`);
    });
    return [
      { name: `datastore with 100,000 keys: get (${label})`, unit: 'ms', value: get, target: '< 1' },
      { name: `datastore with 100,000 keys: prefix list of 1,000 (${label})`, unit: 'ms', value: list, target: '< 20' },
    ];
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

async function authFigures(): Promise<Figure[]> {
  const home = mkdtempSync(join(tmpdir(), 'squall-authbench-'));
  const server = await startServer(loadConfig({ port: 0, logLevel: 'silent', roles: ['api'] }, { SQUALL_HOME: home }));
  try {
    const api = server.api!;
    const admin = { 'St2-Api-Key': server.apiKey };
    const ok = (r: { statusCode: number; body: string }) => {
      if (r.statusCode >= 300) throw new Error(`HTTP ${r.statusCode}: ${r.body}`);
      return JSON.parse(r.body);
    };
    ok(await api.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { username: 'bench-operator', password: 'a long bench password' } }));
    ok(await api.inject({ method: 'POST', url: '/api/v1/rbac/assignments', headers: admin, payload: { user: 'bench-operator', role: 'operator' } }));
    const key = ok(await api.inject({ method: 'POST', url: '/api/v1/apikeys', headers: admin, payload: { user: 'bench-operator' } })).key as string;
    const { verifyKey, authorizer } = server.auth;
    const added = await medianMs(20_000, async () => {
      const principal = await verifyKey(key);
      if (!principal || !(await authorizer.authorize(principal, 'action:list'))) throw new Error('the operator was refused');
    });
    const operator = { 'St2-Api-Key': key };
    const authed = await medianMs(3_000, () => api.inject({ method: 'GET', url: '/api/v1/runners', headers: operator }).then(ok));
    const open = await medianMs(3_000, () => api.inject({ method: 'GET', url: '/api/v1/health' }).then(ok));
    return [
      { name: 'authentication + RBAC check added to a request (API key, operator role, cached grants)', unit: 'ms', value: added, target: '< 0.2' },
      { name: 'whole request, authenticated + RBAC-checked: GET /runners (inject)', unit: 'ms', value: authed },
      { name: 'whole request, public: GET /health (inject)', unit: 'ms', value: open },
    ];
  } finally {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

export const accessBenchmarks: Benchmark[] = [
  { name: 'auth-overhead', repeat: 3, run: authFigures },
  { name: 'datastore-sqlite', repeat: 1, run: () => datastoreFigures('sqlite', '') },
  { name: 'datastore-postgres', repeat: 1, run: () => datastoreFigures('postgres', `${PG_URL}?schema=bench_kv_${process.pid}_${Date.now() % 100000}`) },
];
