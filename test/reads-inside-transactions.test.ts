// What runs inside a transaction reads through it. On PostgreSQL a transaction holds a pooled
// connection: a check that waited for a second connection deadlocked the pool once every
// connection was held that way (ten executions finishing at once, each masking its result
// with the datastore's secrets while the list was being read outside any transaction).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { assignRole, createAuthorizer, seedSystemRoles } from '../src/auth/rbac.js';
import { createDatastore, createSecretValues, setKey } from '../src/datastore/index.js';
import { describeBackends } from './helpers/backends.js';

// The PostgreSQL store's pool size (src/store/postgres.ts).
const POOL_SIZE = 10;

describeBackends('reads inside transactions', ({ open, backend }) => {
  it('the secret list and the grants load with every pooled connection held by a transaction', async () => {
    const store = await open();
    const home = mkdtempSync(join(tmpdir(), 'squall-reads-in-tx-'));
    try {
      const now = Date.now;
      await store.tx((tx) => seedSystemRoles(tx, now()));
      await assignRole(store, 'ann', 'operator', { user: 'test' }, now());
      const datastore = createDatastore(store, home, now);
      await setKey(datastore, { scope: 'system', name: 'db_password', value: 'Hunter2-Secret', secret: true }, { user: 'test' });
      const secrets = createSecretValues(datastore);
      const authorizer = createAuthorizer(store, now);
      // PostgreSQL: all connections are taken before anyone reads (the embedded store runs
      // its transactions one after another, so there they simply follow each other).
      let holding = 0;
      let allHeld!: () => void;
      const held = new Promise<void>((r) => (allHeld = r));
      const outside: Array<Promise<unknown[]>> = [];
      const results = await Promise.all(Array.from({ length: POOL_SIZE }, (_, i) => store.tx(async (tx) => {
        if (backend === 'postgres') {
          if (++holding === POOL_SIZE) allHeld();
          await held;
          // A read outside any transaction now waits for a connection none of these gives back.
          if (i === 0) outside.push(secrets());
        }
        return [await secrets(tx), await authorizer.authorize({ username: 'ann', via: 'system' }, 'action:execute', undefined, tx)] as const;
      })));
      expect(results.every(([values, allowed]) => values.includes('Hunter2-Secret') && allowed)).toBe(true);
      expect(await Promise.all(outside)).toEqual(backend === 'postgres' ? [['Hunter2-Secret']] : []);
      authorizer.close();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
