// One number that moves, in the same transaction, whenever a rule, a trigger or a trigger type
// changes: each node's caches of them (the rule index, the webhook targets) are rebuilt when
// the number they were built at is not the stored one.
import type { Tx } from './types.js';

export async function bumpRevision(tx: Tx): Promise<void> {
  await tx.run('update rules_revision set revision = revision + 1 where id = 1');
}

export async function rulesRevision(tx: Tx): Promise<number> {
  return (await tx.get<{ revision: number }>('select revision from rules_revision where id = 1'))!.revision;
}
