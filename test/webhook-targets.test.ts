// A node keeps the triggers each webhook url fires until the rules revision moves: a trigger
// added or removed by another node (another EventDeps over the same store) is seen at once.
import { expect, it } from 'vitest';
import { createEventDeps, ensureTriggerFor, registerBuiltinTriggerTypes, webhookTargets } from '../src/events/index.js';
import { deleteTriggerIfUnused } from '../src/store/events.js';
import { describeBackends } from './helpers/backends.js';

describeBackends('webhook targets', ({ open }) => {
  it('are read once per rules revision, and follow triggers created and deleted elsewhere', async () => {
    const store = await open();
    await store.tx((tx) => registerBuiltinTriggerTypes(tx, Date.now()));
    const here = createEventDeps(() => Date.now());
    const there = createEventDeps(() => Date.now());
    const refs = async () => (await store.read((tx) => webhookTargets(tx, here, 'ops/alerts'))).map((t) => t.trigger.ref);
    expect(await refs()).toEqual([]);
    const plain = await store.tx((tx) => ensureTriggerFor(tx, there, 'core.st2.webhook', { url: 'ops/alerts' }));
    expect(await refs()).toEqual([plain.trigger.ref]);
    const first = await store.read((tx) => webhookTargets(tx, here, 'ops/alerts'));
    expect(await store.read((tx) => webhookTargets(tx, here, 'ops/alerts'))).toBe(first);
    const signed = await store.tx((tx) => ensureTriggerFor(tx, there, 'core.st2.webhook', { url: 'ops/alerts', secret: 's3cret' }));
    expect((await refs()).sort()).toEqual([plain.trigger.ref, signed.trigger.ref].sort());
    expect(first[0]!.type.ref).toBe('core.st2.webhook');
    await store.tx((tx) => deleteTriggerIfUnused(tx, plain.trigger.ref));
    expect(await refs()).toEqual([signed.trigger.ref]);
  });
});
