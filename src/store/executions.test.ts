// Executions in the store, on both backends: who started one is kept in started_by (migration
// 0009) — filled on insert, backfilled from the context of rows written before it — and the
// "executions I started" listing every user has filters on that column.
import { expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/backends.js';
import type { Execution } from '../executions/model.js';
import { insertExecution, listExecutions } from './executions.js';
import { migrate } from './migrate.js';
import type { Store } from './types.js';

function makeExecution(id: string, createdAt: number, context: Execution['context']): Execution {
  return {
    id, action: 'core.noop', runner_type: 'noop', status: 'succeeded', parameters: {}, result: null, context, parent_id: null,
    created_at: createdAt, start_timestamp: null, end_timestamp: null, updated_at: createdAt, attempt: 0,
  };
}

const startedBy = (store: Store) => store.read((tx) => tx.all<{ id: string; started_by: string | null }>('select id, started_by from executions order by id'));

describeBackends('executions: started_by', ({ open, backend }) => {
  it('is filled on insert and lists the executions a user started, newest first', async () => {
    const store = await open();
    await store.tx(async (tx) => {
      await insertExecution(tx, makeExecution('e1', 1, { user: 'ann', source: 'api' }));
      await insertExecution(tx, makeExecution('e2', 2, { user: 'bob' }));
      await insertExecution(tx, makeExecution('e3', 3, { source: 'rule' }));
      await insertExecution(tx, makeExecution('e4', 4, { user: 'ann' }));
    });
    expect(await startedBy(store)).toEqual([{ id: 'e1', started_by: 'ann' }, { id: 'e2', started_by: 'bob' }, { id: 'e3', started_by: null }, { id: 'e4', started_by: 'ann' }]);
    const mine = await store.read((tx) => listExecutions(tx, { visibleTo: { grants: [], owner: 'ann' }, limit: 10 }));
    expect(mine.map((e) => e.id)).toEqual(['e4', 'e1']);
    const withGrant = await store.read((tx) => listExecutions(tx, { visibleTo: { grants: [{ type: 'execution', ref: 'e2' }], owner: 'ann' }, limit: 10 }));
    expect(withGrant.map((e) => e.id)).toEqual(['e4', 'e2', 'e1']);
  });

  it('is backfilled from the context of executions written before the migration', async () => {
    const store = await open();
    // Back to the schema before 0009, with rows written then (no started_by column).
    await store.tx(async (tx) => {
      await tx.run('drop index executions_started_by');
      await tx.run('alter table executions drop column started_by');
      await tx.run('delete from schema_migrations where version = 9');
      for (const [id, context] of [['old1', { user: 'ann' }], ['old2', { source: 'timer' }], ['old3', { user: 42 }]] as const) {
        await tx.run(`insert into executions (id, action, runner_type, status, parameters, context, created_at, updated_at)
          values ($1, 'core.noop', 'noop', 'succeeded', '{}', $2, 1, 1)`, [id, JSON.stringify(context)]);
      }
    });
    await migrate(store, Date.now);
    expect(await startedBy(store)).toEqual([{ id: 'old1', started_by: 'ann' }, { id: 'old2', started_by: null }, { id: 'old3', started_by: null }]);
  });

  it('walks the started_by index for the owner filter', async () => {
    const store = await open();
    const query = "select id from executions where started_by = 'ann' order by created_at desc, id desc limit 10";
    // SQLite's planner is deterministic on an empty table; PostgreSQL's would scan so small a
    // table, so it is asked for the plan it has when a scan is ruled out.
    const plan = await store.tx(async (tx) => {
      if (backend === 'sqlite') return (await tx.all<{ detail: string }>(`explain query plan ${query}`)).map((p) => p.detail);
      await tx.run('set local enable_seqscan = off');
      return (await tx.all<{ 'QUERY PLAN': string }>(`explain ${query}`)).map((p) => p['QUERY PLAN']);
    });
    expect(plan.join('\n')).toContain('executions_started_by');
  });
});
