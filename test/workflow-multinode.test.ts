// Two nodes on one PostgreSQL database run the same workflows: either node's scheduler runs
// task actions and applies their events, so each node must notice the state the other saved
// (the per-node state cache is checked against the stored version token). One node is killed
// -9 at random moments and restarted; the workflows end as an uninterrupted run would.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../bench/server-process.js';
import { describePostgres, testPostgresUrl } from './helpers/backends.js';
import { DURABLE_PACK, expectSameResults, referenceRun, retryingClient } from './helpers/durable.js';

const schema = `test_multinode_${randomBytes(4).toString('hex')}`;
const db = `${testPostgresUrl}?schema=${schema}`;
const homes = [mkdtempSync(join(tmpdir(), 'squall-node-a-')), mkdtempSync(join(tmpdir(), 'squall-node-b-'))];
const nodes: Array<ServerProcess | undefined> = [undefined, undefined];

const start = (i: number) => spawnServer({ home: homes[i], db, env: { SQUALL_LEASE_SECONDS: '2'} });

describePostgres('workflows on two nodes sharing one database', () => {
  afterAll(async () => {
    for (const n of nodes) await n?.stop();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: testPostgresUrl });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`).finally(() => admin.end());
  });

  it('both nodes advance the same workflows; one is killed -9 and restarted; results are unchanged', async () => {
    nodes[0] = await start(0);
    nodes[1] = await start(1);
    const viaB = retryingClient(() => nodes[1]!);
    expect((await viaB('POST', '/packs/register', { path: DURABLE_PACK })).pack?.name).toBe('durable');
    const expected = await referenceRun(viaB, 'durable.crunch');
    expect(expected.output.total).toBe(1496);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await viaB('POST', '/executions', { action: 'durable.crunch' })).id);
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
      await nodes[0]!.stop('SIGKILL');
      nodes[0] = await start(0);
    }
    await expectSameResults(viaB, ids, { 'durable.crunch': expected });
  }, 240_000);
});
