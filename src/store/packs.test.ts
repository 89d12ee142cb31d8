import { expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/backends.js';
import type { Action, Pack } from '../packs/model.js';
import type { Policy } from '../packs/policies.js';
import * as packs from './packs.js';

function makePack(over: Partial<Pack> = {}): Pack {
  return { name: 'demo', version: '1.0.0', description: 'demo pack', path: '/packs/demo', metadata: { author: 'me', keywords: ['a'] }, registered_at: 1_700_000_000_000, ...over };
}

function makeAction(over: Partial<Action> & { name: string }): Action {
  const pack = over.pack ?? 'demo';
  return {
    ref: `${pack}.${over.name}`,
    pack,
    runner_type: 'local-shell-cmd',
    entry_point: '',
    description: '',
    enabled: true,
    parameters: { cmd: { type: 'string', required: true } },
    metadata: { name: over.name, runner_type: 'local-shell-cmd' },
    updated_at: 1_700_000_000_000,
    ...over,
  };
}

function makePolicy(over: Partial<Policy> & { name: string }): Policy {
  return {
    ref: `demo.${over.name}`,
    pack: 'demo',
    resource_ref: 'demo.a',
    policy_type: 'action.concurrency',
    parameters: { threshold: 1, action: 'delay' },
    enabled: true,
    ...over,
  } as Policy;
}

describeBackends('store/packs', ({ open }) => {
  it('stores a pack with its actions and policies and reads them back whole', async () => {
    const store = await open();
    const a = makeAction({ name: 'a', enabled: false, parameters: { n: { type: 'integer', default: 3, position: 0 } }, metadata: { name: 'a', tags: [{ name: 't' }] } });
    const policy = makePolicy({ name: 'a.retry', policy_type: 'action.retry', parameters: { retry_on: 'failure', max_retry_count: 2, delay: 0 }, enabled: false });
    await store.tx((tx) => packs.replacePack(tx, makePack(), [a, makeAction({ name: 'b' })], [policy]));
    await store.read(async (tx) => {
      expect(await packs.getPack(tx, 'demo')).toEqual(makePack());
      expect(await packs.getAction(tx, 'demo.a')).toEqual(a);
      expect(await packs.listPolicies(tx, 'demo.a')).toEqual([policy]);
      expect(await packs.listPolicies(tx, 'demo.b')).toEqual([]);
      expect(await packs.getPack(tx, 'nope')).toBeUndefined();
      expect(await packs.getAction(tx, 'demo.nope')).toBeUndefined();
    });
  });

  it('replacing a pack drops the previous version\'s actions and policies', async () => {
    const store = await open();
    await store.tx((tx) => packs.replacePack(tx, makePack(), [makeAction({ name: 'a' }), makeAction({ name: 'b' })], [makePolicy({ name: 'p' })]));
    await store.tx((tx) => packs.replacePack(tx, makePack({ version: '2.0.0' }), [makeAction({ name: 'c' })], []));
    await store.read(async (tx) => {
      expect((await packs.getPack(tx, 'demo'))?.version).toBe('2.0.0');
      expect((await packs.listActions(tx, { limit: 10, offset: 0 })).map((x) => x.ref)).toEqual(['demo.c']);
      expect(await packs.listPolicies(tx, 'demo.a')).toEqual([]);
    });
  });

  it('a replacement that fails half-way leaves the previous version intact', async () => {
    const store = await open();
    await store.tx((tx) => packs.replacePack(tx, makePack(), [makeAction({ name: 'a' })], []));
    // Two actions with one ref: the second insert fails after the old rows were deleted.
    const failing = store.tx((tx) => packs.replacePack(tx, makePack({ version: '9.0.0' }), [makeAction({ name: 'x' }), makeAction({ name: 'x' })], []));
    await expect(failing).rejects.toThrow();
    await store.read(async (tx) => {
      expect((await packs.getPack(tx, 'demo'))?.version).toBe('1.0.0');
      expect((await packs.listActions(tx, { limit: 10, offset: 0 })).map((x) => x.ref)).toEqual(['demo.a']);
    });
  });

  it('lists packs by name and actions by ref, a page at a time, optionally of one pack', async () => {
    const store = await open();
    await store.tx(async (tx) => {
      await packs.replacePack(tx, makePack({ name: 'zeta' }), [makeAction({ pack: 'zeta', name: 'z1' })], []);
      await packs.replacePack(tx, makePack(), ['d', 'a', 'c', 'b'].map((name) => makeAction({ name })), []);
    });
    await store.read(async (tx) => {
      expect((await packs.listPacks(tx)).map((p) => p.name)).toEqual(['demo', 'zeta']);
      expect((await packs.listActions(tx, { limit: 2, offset: 0 })).map((a) => a.ref)).toEqual(['demo.a', 'demo.b']);
      expect((await packs.listActions(tx, { limit: 2, offset: 3 })).map((a) => a.ref)).toEqual(['demo.d', 'zeta.z1']);
      expect((await packs.listActions(tx, { pack: 'zeta', limit: 10, offset: 0 })).map((a) => a.ref)).toEqual(['zeta.z1']);
      expect(await packs.countActions(tx)).toBe(5);
      expect(await packs.countActions(tx, 'demo')).toBe(4);
      expect(await packs.countActions(tx, 'nope')).toBe(0);
    });
  });

  it('upserts and deletes single actions', async () => {
    const store = await open();
    await store.tx((tx) => packs.replacePack(tx, makePack(), [], []));
    await store.tx((tx) => packs.upsertAction(tx, makeAction({ name: 'a', description: 'first' })));
    await store.tx((tx) => packs.upsertAction(tx, makeAction({ name: 'a', description: 'second', enabled: false, updated_at: 5 })));
    expect(await store.read((tx) => packs.getAction(tx, 'demo.a'))).toEqual(makeAction({ name: 'a', description: 'second', enabled: false, updated_at: 5 }));
    expect(await store.tx((tx) => packs.deleteAction(tx, 'demo.a'))).toBe(true);
    expect(await store.tx((tx) => packs.deleteAction(tx, 'demo.a'))).toBe(false);
  });

  it('concurrent registrations of one pack both succeed, one after the other', async () => {
    const store = await open();
    await store.tx((tx) => packs.replacePack(tx, makePack(), [makeAction({ name: 'old' })], []));
    const versions = ['2.0.0', '3.0.0', '4.0.0'];
    await Promise.all(versions.map((version) =>
      store.tx((tx) => packs.replacePack(tx, makePack({ version }), [makeAction({ name: `v${version[0]}` })], [])),
    ));
    await store.read(async (tx) => {
      const pack = await packs.getPack(tx, 'demo');
      expect(versions).toContain(pack?.version);
      // Whichever committed last: its action, and only its.
      expect((await packs.listActions(tx, { limit: 10, offset: 0 })).map((a) => a.ref)).toEqual([`demo.v${pack!.version[0]}`]);
    });
  });

  it('inserts a new action only once', async () => {
    const store = await open();
    await store.tx((tx) => packs.replacePack(tx, makePack(), [], []));
    expect(await store.tx((tx) => packs.insertAction(tx, makeAction({ name: 'a', description: 'first' })))).toBe(true);
    expect(await store.tx((tx) => packs.insertAction(tx, makeAction({ name: 'a', description: 'second' })))).toBe(false);
    expect((await store.read((tx) => packs.getAction(tx, 'demo.a')))?.description).toBe('first');
  });

  it('deleting a pack deletes its actions and policies, and only those', async () => {
    const store = await open();
    await store.tx(async (tx) => {
      await packs.replacePack(tx, makePack(), [makeAction({ name: 'a' })], [makePolicy({ name: 'p' })]);
      await packs.replacePack(tx, makePack({ name: 'other' }), [makeAction({ pack: 'other', name: 'a' })], []);
    });
    expect(await store.tx((tx) => packs.deletePack(tx, 'demo'))).toBe(true);
    expect(await store.tx((tx) => packs.deletePack(tx, 'demo'))).toBe(false);
    await store.read(async (tx) => {
      expect((await packs.listActions(tx, { limit: 10, offset: 0 })).map((a) => a.ref)).toEqual(['other.a']);
      expect(await packs.listPolicies(tx, 'demo.a')).toEqual([]);
    });
  });
});
