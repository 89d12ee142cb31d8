// A node keeps the triggers each webhook url fires until the rules revision moves: a trigger
// added or removed by another node (another EventDeps over the same store) is seen at once.
import { expect, it } from 'vitest';
import { createEventDeps, ensureTriggerFor, registerBuiltinTriggerTypes, webhookTargets } from '../src/events/index.js';
import { deleteTriggerIfUnused, getTriggerType, upsertTriggerType } from '../src/store/events.js';
import { rulesRevision } from '../src/store/revision.js';
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

  it('a trigger type moves the revision when what it stores changes, not when it is registered again unchanged', async () => {
    const store = await open();
    await store.tx((tx) => registerBuiltinTriggerTypes(tx, Date.now()));
    const revision = () => store.read((tx) => rulesRevision(tx));
    const at = await revision();
    // A node starting again registers the same built-in types.
    await store.tx((tx) => registerBuiltinTriggerTypes(tx, Date.now() + 1000));
    expect(await revision()).toBe(at);
    const webhook = (await store.read((tx) => getTriggerType(tx, 'core.st2.webhook')))!;
    await store.tx((tx) => upsertTriggerType(tx, { ...webhook, payload_schema: { type: 'object', required: ['body'] } }));
    expect(await revision()).toBeGreaterThan(at);
  });
});
