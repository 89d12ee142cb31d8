import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/backends.js';
import { packageRoot } from '../paths.js';
import { CATALOG_CHANNEL } from '../store/packs.js';
import { createCatalog } from './catalog.js';
import * as packs from './index.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'packs');
const RUNNERS = new Map(['local-shell-cmd', 'local-shell-script', 'noop', 'orquesta'].map((n) => [n, {}]));

describeBackends('action catalog cache', ({ open }) => {
  it('serves actions, pack directories and policies, and forgets them when a pack changes', async () => {
    const store = await open();
    let t = 1_700_000_000_000;
    const deps = packs.createPackDeps(store, () => (t += 1000), RUNNERS);
    await packs.registerPack(deps, join(fixtures, 'demo'));
    let clock = 0;
    const catalog = createCatalog(store, () => clock, 5000);
    const read = () => store.read(async (tx) => ({
      hello: await catalog.findAction(tx, 'demo.hello'),
      dir: await catalog.packDir(tx, 'demo'),
      policies: (await catalog.policies(tx, 'demo.hello')).map((p) => p.ref),
    }));
    const waitFor = async (pred: () => Promise<boolean>) => {
      for (let i = 0; i < 500 && !(await pred()); i++) await new Promise((r) => setTimeout(r, 10));
    };
    // PostgreSQL's LISTEN is set up asynchronously: wait until a notification reaches the cache.
    const before = await read();
    await waitFor(async () => {
      await store.tx(async (tx) => tx.notify(CATALOG_CHANNEL));
      await new Promise((r) => setTimeout(r, 10));
      return (await read()).hello !== before.hello;
    });
    const first = await read();
    expect(first).toMatchObject({ hello: { runner_type: 'local-shell-cmd' }, dir: join(fixtures, 'demo'), policies: ['demo.hello.attr'] });
    expect((await read()).hello).toBe(first.hello); // cached: the same object

    // A change through the API is seen at once (after its commit's notification).
    const { name, runner_type, parameters, entry_point } = first.hello;
    const body = { name, runner_type, parameters, entry_point, pack: 'demo', description: 'Changed.' };
    await packs.updateAction(deps, 'demo.hello', body);
    await waitFor(async () => (await read()).hello.description === 'Changed.');
    expect((await read()).hello.description).toBe('Changed.');

    // A removed pack's action is not served from the cache.
    await packs.removePack(deps, 'demo');
    await waitFor(async () => (await read().catch(() => null)) === null);
    await expect(read()).rejects.toThrow(/no action named demo.hello/);
    catalog.close();
  });

  it('reads again once an entry is older than its time to live (a notification lost with a connection)', async () => {
    const store = await open();
    const deps = packs.createPackDeps(store, () => 1, RUNNERS);
    await packs.registerPack(deps, join(fixtures, 'demo'));
    let clock = 0;
    const catalog = createCatalog(store, () => clock, 5000);
    catalog.close(); // stop listening: only the time to live can refresh it now
    const a = await store.read((tx) => catalog.findAction(tx, 'demo.hello'));
    clock = 4999;
    expect(await store.read((tx) => catalog.findAction(tx, 'demo.hello'))).toBe(a);
    clock = 5000;
    expect(await store.read((tx) => catalog.findAction(tx, 'demo.hello'))).not.toBe(a);
  });
});
