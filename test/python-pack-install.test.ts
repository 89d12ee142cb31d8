// squall pack install: a per-pack virtualenv from requirements.txt, used by the pack's actions;
// a requirement that no reachable index has is named in the error.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { runAction } from './node-runner-run-action.js';

const PACKS = ['csv', 'webhook_helper'].map((p) => join(import.meta.dirname, 'fixtures', 'python-packs', p));

describe('squall pack install (API)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { packs: PACKS });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('creates the virtualenv of a pack without requirements, and its actions then run with its python', async () => {
    const r = await s.call('POST', '/packs/csv/install', {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ pack: 'csv', virtualenv: join(s.home, 'virtualenvs', 'csv'), requirements: [] });
    expect(existsSync(join(s.home, 'virtualenvs', 'csv', 'bin', 'python'))).toBe(true);
    const { execution } = await runAction(s, 'csv.parse', { data: 'x,y' });
    expect(execution.result.result).toEqual([['x', 'y']]);
  }, 120_000);

  it('names the requirement it cannot install', async () => {
    const r = await s.call('POST', '/packs/webhook_helper/install', {});
    expect(r.status).toBe(424);
    expect(r.body.code).toBe('PACK_REQUIREMENTS_UNAVAILABLE');
    expect(r.body.faultstring).toMatch(/pack webhook_helper: requirement squall-test-no-such-package-xyz==9\.9\.9 \(from .*requirements\.txt\) could not be installed/);
  }, 180_000);

  it('answers 404 for a pack that is not registered', async () => {
    const r = await s.call('POST', '/packs/nope/install', {});
    expect(r.status).toBe(404);
  });
});
