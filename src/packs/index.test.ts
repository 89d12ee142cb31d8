import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/backends.js';
import { SquallError, type ErrorCode } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { Store } from '../store/types.js';
import * as packs from './index.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'packs');
const RUNNERS = new Map(['local-shell-cmd', 'local-shell-script', 'noop', 'orquesta'].map((n) => [n, {}]));

function makeDeps(store: Store, opts?: packs.PackOptions): packs.PackDeps {
  let t = 1_700_000_000_000;
  return packs.createPackDeps(store, () => (t += 1000), RUNNERS, opts);
}

async function failure(p: Promise<unknown>, code: ErrorCode): Promise<SquallError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(SquallError);
  expect((err as SquallError).code).toBe(code);
  return err as SquallError;
}

async function snapshot(deps: packs.PackDeps) {
  return {
    packs: await packs.listPacks(deps),
    actions: (await packs.listActions(deps, { limit: 100, offset: 0 })).actions,
    policies: await packs.policiesFor(deps, 'demo.restart'),
  };
}

describeBackends('packs module', ({ open }) => {
  it('only runner types the node has need an entry point', async () => {
    const deps = makeDeps(await open());
    expect([...deps.entryPointRunners].sort()).toEqual(['local-shell-script', 'orquesta']);
    expect([...deps.runnerNames].sort()).toEqual(['local-shell-cmd', 'local-shell-script', 'noop', 'orquesta']);
  });

  it('registers a pack: pack, actions and policies are readable', async () => {
    const deps = makeDeps(await open());
    const r = await packs.registerPack(deps, join(fixtures, 'demo'));
    expect(r.actions.map((a) => a.ref)).toEqual(['demo.deploy', 'demo.hello', 'demo.restart']);
    expect(await packs.getPack(deps, 'demo')).toMatchObject({ name: 'demo', version: '1.0.0', path: join(fixtures, 'demo'), registered_at: r.pack.registered_at });
    expect((await packs.listPacks(deps)).map((p) => p.name)).toEqual(['demo']);
    expect(await packs.getAction(deps, 'demo.restart')).toEqual(r.actions.find((a) => a.name === 'restart'));
    expect(await packs.listActions(deps, { pack: 'demo', limit: 2, offset: 1 })).toMatchObject({ total: 3, actions: [{ ref: 'demo.hello' }, { ref: 'demo.restart' }] });
    expect((await packs.policiesFor(deps, 'demo.restart')).map((p) => [p.policy_type, p.parameters])).toEqual([
      ['action.concurrency', { threshold: 1, action: 'delay' }],
      ['action.retry', { retry_on: 'timeout', max_retry_count: 2, delay: 0 }],
    ]);
    // The executions module reads through these inside its own transactions.
    await deps.store.read(async (tx) => {
      expect((await packs.findAction(tx, 'demo.hello')).runner_type).toBe('local-shell-cmd');
      expect(await packs.packDirectory(tx, 'demo')).toBe(join(fixtures, 'demo'));
      expect(await packs.packDirectory(tx, 'nope')).toBeNull();
      expect((await packs.actionPolicies(tx, 'demo.hello')).map((p) => p.ref)).toEqual(['demo.hello.attr']);
      await failure(packs.findAction(tx, 'demo.nope'), 'ACTION_NOT_FOUND');
    });
  });

  it('registering a new version replaces the old one', async () => {
    const deps = makeDeps(await open());
    await packs.registerPack(deps, join(fixtures, 'demo'));
    await packs.registerPack(deps, join(fixtures, 'demo_v2'));
    expect((await packs.getPack(deps, 'demo')).version).toBe('2.0.0');
    const { actions, total } = await packs.listActions(deps, { limit: 100, offset: 0 });
    expect(total).toBe(1);
    expect(actions[0]).toMatchObject({ ref: 'demo.hello', description: 'Says hello, louder.', parameters: { cmd: { default: 'echo HELLO' } } });
    expect(await packs.policiesFor(deps, 'demo.restart')).toEqual([]);
    await failure(packs.getAction(deps, 'demo.restart'), 'ACTION_NOT_FOUND');
  });

  for (const broken of ['param-type', 'yaml-syntax', 'duplicate-action', 'policy']) {
    it(`a failed re-registration (${broken}) leaves the previous version intact`, async () => {
      const deps = makeDeps(await open());
      await packs.registerPack(deps, join(fixtures, 'demo'));
      const before = await snapshot(deps);
      const err = await failure(packs.registerPack(deps, join(fixtures, 'broken', broken)), 'PACK_INVALID');
      expect(err.where.file).toMatch(/^(actions|policies)\//);
      expect(await snapshot(deps)).toEqual(before);
    });
  }

  it('a workflow rejected by the runner\'s validator rejects the pack and changes nothing', async () => {
    const deps = makeDeps(await open(), {
      validateEntryPoint: {
        orquesta: async (_action, path) => (path.endsWith('flow.yaml') ? [{ line: 6, field: 'tasks.task1.next[0].do', message: 'names an undefined task' }] : []),
      },
    });
    await packs.registerPack(deps, join(fixtures, 'demo'));
    const before = await snapshot(deps);
    const err = await failure(packs.registerPack(deps, join(fixtures, 'broken', 'workflow')), 'PACK_INVALID');
    expect(err.message).toBe('actions/workflows/flow.yaml:6: tasks.task1.next[0].do names an undefined task');
    expect(await snapshot(deps)).toEqual(before);
  });

  it('registers and removes other content kinds in the same transaction as the pack', async () => {
    const calls: string[] = [];
    const deps = makeDeps(await open());
    deps.contents.push({
      async register(tx, dir, pack) {
        // Inside the registration transaction: the new actions are already visible.
        const n = (await tx.get<{ n: number | string }>('select count(*) as n from actions where pack = $1', [pack]))!.n;
        calls.push(`register ${pack} ${dir} ${Number(n)}`);
      },
      async remove(tx, pack) {
        calls.push(`remove ${pack} ${(await tx.all('select ref from actions where pack = $1', [pack])).length}`);
      },
    });
    await packs.registerPack(deps, join(fixtures, 'demo'));
    await packs.removePack(deps, 'demo');
    expect(calls).toEqual([`register demo ${join(fixtures, 'demo')} 3`, 'remove demo 3']);
  });

  it('a content kind that rejects the pack rolls the whole registration back', async () => {
    const deps = makeDeps(await open());
    await packs.registerPack(deps, join(fixtures, 'demo'));
    const before = await snapshot(deps);
    deps.contents.push({
      async register() {
        throw new SquallError('PACK_INVALID', 'rules/r.yaml:3: trigger.type is not a known trigger type', { file: 'rules/r.yaml', line: 3, field: 'trigger.type' });
      },
      async remove() {},
    });
    const err = await failure(packs.registerPack(deps, join(fixtures, 'demo_v2')), 'PACK_INVALID');
    expect(err.where).toEqual({ file: 'rules/r.yaml', line: 3, field: 'trigger.type' });
    expect(await snapshot(deps)).toEqual(before);
  });

  it('removes a pack with its actions and policies', async () => {
    const deps = makeDeps(await open());
    await packs.registerPack(deps, join(fixtures, 'demo'));
    await packs.removePack(deps, 'demo');
    expect(await packs.listPacks(deps)).toEqual([]);
    expect(await packs.listActions(deps, { limit: 10, offset: 0 })).toEqual({ actions: [], total: 0 });
    expect(await packs.policiesFor(deps, 'demo.restart')).toEqual([]);
    await failure(packs.removePack(deps, 'demo'), 'PACK_NOT_FOUND');
    await failure(packs.getPack(deps, 'demo'), 'PACK_NOT_FOUND');
  });

  it('creates, updates and deletes actions from API bodies, checked as YAML is', async () => {
    const deps = makeDeps(await open());
    await packs.registerPack(deps, join(fixtures, 'demo'));
    const body = { pack: 'demo', name: 'greet', runner_type: 'local-shell-cmd', parameters: { who: { type: 'string', default: 'world' } } };
    const created = await packs.createAction(deps, body);
    expect(created).toMatchObject({ ref: 'demo.greet', enabled: true, entry_point: '', metadata: body });
    expect(await packs.getAction(deps, 'demo.greet')).toEqual(created);
    await failure(packs.createAction(deps, body), 'CONFLICT');

    const updated = await packs.updateAction(deps, 'demo.greet', { ...body, description: 'Greets.', enabled: false });
    expect(updated).toMatchObject({ ref: 'demo.greet', description: 'Greets.', enabled: false });
    expect(updated.updated_at).toBeGreaterThan(created.updated_at);
    expect(await packs.getAction(deps, 'demo.greet')).toEqual(updated);

    await packs.deleteAction(deps, 'demo.greet');
    await failure(packs.getAction(deps, 'demo.greet'), 'ACTION_NOT_FOUND');
    await failure(packs.deleteAction(deps, 'demo.greet'), 'ACTION_NOT_FOUND');
    await failure(packs.updateAction(deps, 'demo.greet', body), 'ACTION_NOT_FOUND');
  });

  it('rejects bad action bodies with every problem by field, storing nothing', async () => {
    const deps = makeDeps(await open());
    await packs.registerPack(deps, join(fixtures, 'demo'));
    const bad = await failure(packs.createAction(deps, {
      pack: 'demo', name: 'x', runner_type: 'local-shell-cmdd', parameters: { n: { type: 'int' } },
    }), 'PACK_INVALID');
    expect(bad.message.split('\n')).toEqual([
      'parameters.n.type must be one of string, integer, number, boolean, array, object, null (got "int")',
      'runner_type must be one of local-shell-cmd, local-shell-script, noop, orquesta (got "local-shell-cmdd")',
    ]);
    const runner = await failure(packs.createAction(deps, { pack: 'demo', name: 'x', runner_type: 'local-shell-cmdd' }), 'PACK_INVALID');
    expect(runner.message).toBe('runner_type must be one of local-shell-cmd, local-shell-script, noop, orquesta (got "local-shell-cmdd")');
    expect(runner.where).toEqual({ field: 'runner_type' });
    const script = await failure(packs.createAction(deps, { pack: 'demo', name: 'x', runner_type: 'local-shell-script', entry_point: 'missing.sh' }), 'PACK_INVALID');
    expect(script.message).toBe('entry_point names no file: actions/missing.sh does not exist');
    expect((await failure(packs.createAction(deps, { name: 'x', runner_type: 'noop' }), 'PACK_INVALID')).message).toBe('pack is required: the pack the action belongs to');
    await failure(packs.createAction(deps, { pack: 'nope', name: 'x', runner_type: 'noop' }), 'PACK_NOT_FOUND');
    const renamed = await failure(packs.updateAction(deps, 'demo.hello', { pack: 'demo', name: 'bye', runner_type: 'noop' }), 'PACK_INVALID');
    expect(renamed.message).toBe('name cannot change (action demo.hello is named hello; got "bye")');
    expect((await packs.listActions(deps, { limit: 10, offset: 0 })).total).toBe(3);
    expect((await packs.getAction(deps, 'demo.hello')).runner_type).toBe('local-shell-cmd');
  });

  it('an action with a script entry point can be created in a pack registered from a directory', async () => {
    const deps = makeDeps(await open());
    await packs.registerPack(deps, join(fixtures, 'demo'));
    const a = await packs.createAction(deps, { pack: 'demo', name: 'restart2', runner_type: 'local-shell-script', entry_point: 'restart.sh' });
    expect(a.entry_point).toBe('restart.sh');
  });
});
