// One suite, both stores: `describeBackends` runs the same tests against the embedded
// SQLite store and against PostgreSQL, each `open()` on a fresh database file or schema.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';

/**
 * The test PostgreSQL. The user is explicit because pg falls back to $USER, which CI
 * and sandboxed shells may leave unset; override with SQUALL_TEST_PG_URL.
 */
export const testPostgresUrl = process.env.SQUALL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BackendContext {
  /** 'sqlite' or 'postgres'. */
  readonly backend: Store['dialect'];
  /** Opens (and migrates) a fresh, empty store; it is closed and deleted after the suite. */
  open(): Promise<Store>;
}

// Probed once per test file (module evaluation), before any suite is declared, so the
// skip decision is known when vitest collects the tests.
const postgresProblem: string | null = await probePostgres(testPostgresUrl);

async function probePostgres(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return `PostgreSQL at ${url} is unreachable: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 30);
}

/** A store whose close() may be called any number of times (tests close early; afterAll closes again). */
function closeOnce(store: Store): Store {
  let closing: Promise<void> | null = null;
  return {
    get dialect() { return store.dialect; },
    get description() { return store.description; },
    tx: (fn) => store.tx(fn),
    read: (fn) => store.read(fn),
    listen: (channel, onWake) => store.listen(channel, onWake),
    close: () => (closing ??= store.close()),
  };
}

function sqliteSuite(title: string, fn: (ctx: BackendContext) => void): void {
  describe(`${title} [sqlite]`, () => {
    const opened: Array<{ store: Store; dir: string }> = [];
    afterAll(async () => {
      for (const { store, dir } of opened) {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
    fn({
      backend: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), `squall-${slug(title)}-`));
        const store = closeOnce(await openStore({ url: join(dir, 'squall.db') }));
        opened.push({ store, dir });
        return store;
      },
    });
  });
}

function postgresSuite(title: string, fn: (ctx: BackendContext) => void): void {
  const name = `${title} [postgres]`;
  if (postgresProblem !== null) {
    if (process.env.SQUALL_REQUIRE_SERVICES === '1') {
      describe(name, () => {
        it('needs PostgreSQL (SQUALL_REQUIRE_SERVICES=1)', () => {
          throw new Error(postgresProblem);
        });
      });
      return;
    }
    process.stderr.write(`skipping "${name}": ${postgresProblem}\n`);
    describe.skip(`${name} — skipped: ${postgresProblem}`, () => fn({ backend: 'postgres', open: () => Promise.reject(new Error(postgresProblem)) }));
    return;
  }
  describe(name, () => {
    const opened: Array<{ store: Store; schema: string }> = [];
    afterAll(async () => {
      for (const { store } of opened) await store.close();
      if (opened.length === 0) return;
      const admin = new pg.Client({ connectionString: testPostgresUrl });
      await admin.connect();
      try {
        for (const { schema } of opened) await admin.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await admin.end();
      }
    });
    fn({
      backend: 'postgres',
      async open() {
        const schema = `test_${slug(title)}_${randomBytes(4).toString('hex')}`;
        const store = closeOnce(await openStore({ url: testPostgresUrl, schema }));
        opened.push({ store, schema });
        return store;
      },
    });
  });
}

/**
 * Declares `describe(title)` once per backend (SQLite, PostgreSQL). PostgreSQL suites are
 * skipped with the reason printed when it is unreachable, and fail instead when
 * SQUALL_REQUIRE_SERVICES=1.
 */
export function describeBackends(title: string, fn: (ctx: BackendContext) => void): void {
  sqliteSuite(title, fn);
  postgresSuite(title, fn);
}

/** Declares `describe(title)` on PostgreSQL only (multi-node tests), skipped or failing as describeBackends' are. */
export function describePostgres(title: string, fn: (ctx: BackendContext) => void): void {
  postgresSuite(title, fn);
}
