// SQL for workflow state: the graph, a header row with a version token, and the state's parts
// (JSON text; src/workflow/persist.ts decides what goes where).
import type { Tx } from './types.js';

export interface WorkflowRow {
  graph: string;
  /** The state's header (or, for a row saved before parts existed, the whole state). */
  state: string;
  version: string;
}

export interface StatePart {
  key: string;
  body: string;
}

export async function insertWorkflowState(tx: Tx, executionId: string, graph: string, header: string, version: string, now: number): Promise<void> {
  await tx.run('insert into workflow_states (execution_id, graph, state, version, updated_at) values ($1, $2, $3, $4, $5)', [executionId, graph, header, version, now]);
}

/** The row's version token, locked until the transaction ends (PostgreSQL; SQLite has one writer anyway). */
export async function lockWorkflowVersion(tx: Tx, executionId: string): Promise<string | undefined> {
  const lock = tx.dialect === 'postgres' ? ' for update' : '';
  return (await tx.get<{ version: string }>(`select version from workflow_states where execution_id = $1${lock}`, [executionId]))?.version;
}

export async function readWorkflowState(tx: Tx, executionId: string, withGraph = true): Promise<WorkflowRow | undefined> {
  const cols = withGraph ? 'graph, state, version' : `'' as graph, state, version`;
  return tx.get<WorkflowRow>(`select ${cols} from workflow_states where execution_id = $1`, [executionId]);
}

export async function readStateParts(tx: Tx, executionId: string): Promise<StatePart[]> {
  return tx.all<StatePart>('select key, body from workflow_state_parts where execution_id = $1', [executionId]);
}

/** Saves the header (when it changed: `header` non-null), the new version and the changed parts. */
export async function saveWorkflowState(tx: Tx, executionId: string, header: string | null, version: string, parts: readonly StatePart[], now: number): Promise<void> {
  if (header === null) {
    await tx.run('update workflow_states set version = $1, updated_at = $2 where execution_id = $3', [version, now, executionId]);
  } else {
    await tx.run('update workflow_states set state = $1, version = $2, updated_at = $3 where execution_id = $4', [header, version, now, executionId]);
  }
  for (const p of parts) {
    await tx.run(
      'insert into workflow_state_parts (execution_id, key, body) values ($1, $2, $3) on conflict (execution_id, key) do update set body = excluded.body',
      [executionId, p.key, p.body],
    );
  }
}
