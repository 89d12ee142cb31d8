import { expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/backends.js';
import * as rows from '../store/executions.js';
import type { Policy } from '../packs/index.js';
import type { Execution } from './model.js';
import { concurrencyVerdict } from './policies.js';

const policy: Policy = {
  ref: 'demo.one_at_a_time', pack: 'demo', name: 'one_at_a_time', resource_ref: 'demo.slow', enabled: true,
  policy_type: 'action.concurrency', parameters: { threshold: 1, action: 'delay' },
};

function makeExecution(id: string): Execution {
  return {
    id, action: 'demo.slow', runner_type: 'local-shell-cmd', status: 'requested', parameters: {}, result: null,
    context: {}, parent_id: null, created_at: 1, start_timestamp: null, end_timestamp: null, updated_at: 1, attempt: 0,
  };
}

describeBackends('action.concurrency', ({ open }) => {
  it('lets exactly one of two executions starting at the same moment take the only slot', async () => {
    const store = await open();
    await store.tx(async (tx) => {
      await rows.insertExecution(tx, makeExecution('a'));
      await rows.insertExecution(tx, makeExecution('b'));
    });
    // Each start counts the slots, lingers, then takes one: on PostgreSQL the two transactions overlap.
    const start = (id: string) => store.tx(async (tx) => {
      const verdict = await concurrencyVerdict(tx, makeExecution(id), [policy]);
      await new Promise((r) => setTimeout(r, 50));
      if (verdict === 'run') await rows.changeStatus(tx, id, 'requested', { status: 'running' }, 2);
      return verdict;
    });
    const verdicts = await Promise.all([start('a'), start('b')]);
    expect(verdicts.sort()).toEqual(['delay', 'run']);
  });
});
