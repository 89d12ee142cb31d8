// SQL for workflow state (graph and conductor state, JSON text).
import type { Tx } from './types.js';

export interface WorkflowRow {
  graph: string;
  state: string;
}

export async function insertWorkflowState(tx: Tx, executionId: string, graph: string, state: string, now: number): Promise<void> {
  await tx.run('insert into workflow_states (execution_id, graph, state, updated_at) values ($1, $2, $3, $4)', [executionId, graph, state, now]);
}

/** The workflow's row, locked until the transaction ends (PostgreSQL; SQLite has one writer anyway). */
export async function lockWorkflowState(tx: Tx, executionId: string, withGraph: boolean): Promise<WorkflowRow | undefined> {
  const cols = withGraph ? 'graph, state' : `'' as graph, state`;
  const lock = tx.dialect === 'postgres' ? ' for update' : '';
  return tx.get<WorkflowRow>(`select ${cols} from workflow_states where execution_id = $1${lock}`, [executionId]);
}

export async function readWorkflowState(tx: Tx, executionId: string): Promise<WorkflowRow | undefined> {
  return tx.get<WorkflowRow>('select graph, state from workflow_states where execution_id = $1', [executionId]);
}

export async function saveWorkflowState(tx: Tx, executionId: string, state: string, now: number): Promise<void> {
  await tx.run('update workflow_states set state = $1, updated_at = $2 where execution_id = $3', [state, now, executionId]);
}
