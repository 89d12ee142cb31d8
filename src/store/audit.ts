// SQL for the audit log: insert and filtered reads only (the log is append-only).
import type { Tx } from './types.js';

export interface AuditRow {
  id: string;
  ts: number;
  actor: string;
  source_address: string;
  action: string;
  resource_type: string;
  resource_ref: string;
  details: string;
}

export async function insertAudit(tx: Tx, row: AuditRow): Promise<void> {
  await tx.run(
    'insert into audit_log (id, ts, actor, source_address, action, resource_type, resource_ref, details) values ($1, $2, $3, $4, $5, $6, $7, $8)',
    [row.id, row.ts, row.actor, row.source_address, row.action, row.resource_type, row.resource_ref, row.details],
  );
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceRef?: string;
  since?: number;
  until?: number;
  limit: number;
  offset: number;
}

/** Newest first. */
export function listAudit(tx: Tx, f: AuditFilter): Promise<AuditRow[]> {
  const params: unknown[] = [f.limit, f.offset];
  const where: string[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.actor) add('actor = ?', f.actor);
  if (f.action) add('action = ?', f.action);
  if (f.resourceType) add('resource_type = ?', f.resourceType);
  if (f.resourceRef) add('resource_ref = ?', f.resourceRef);
  if (f.since !== undefined) add('ts >= ?', f.since);
  if (f.until !== undefined) add('ts < ?', f.until);
  const cond = where.length ? `where ${where.join(' and ')}` : '';
  return tx.all<AuditRow>(`select * from audit_log ${cond} order by ts desc, id desc limit $1 offset $2`, params);
}
