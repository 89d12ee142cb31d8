// The audit log: who changed what, when, from where, and what changed (field names, never
// values). Keys, users, roles, API keys and rules call audit(tx, entry) inside the transaction
// that makes the change, so the change and its record commit together; the API's other changes
// are recorded right after they commit, before the answer (src/api/change-audit.ts says how).
import { newId } from '../store/ids.js';
import { insertAudit, listAudit as listRows, type AuditFilter } from '../store/audit.js';
import type { Tx } from '../store/types.js';

/** Who did it: the principal's username (or 'system', or 'rule:<ref>') and the client address. */
export interface Actor {
  user: string;
  address?: string;
}

export interface AuditEntry {
  actor: Actor;
  /** '<resource>.<verb>', e.g. 'key.set', 'rule.update', 'execution.request', 'user.create'. */
  action: string;
  resourceType: string;
  resourceRef: string;
  /**
   * Extra facts; never a secret value (callers pass names and flags, not values). `changes`
   * lists the fields that differ (an update), `fields` those a request set.
   */
  details?: Record<string, unknown>;
  ts: number;
}

export interface AuditRecord {
  id: string;
  timestamp: string;
  actor: string;
  source_address: string;
  action: string;
  resource_type: string;
  resource_ref: string;
  details: Record<string, unknown>;
}

/** Appends one entry in the caller's transaction. */
export async function audit(tx: Tx, e: AuditEntry): Promise<void> {
  await insertAudit(tx, {
    id: newId(e.ts),
    ts: e.ts,
    actor: e.actor.user,
    source_address: e.actor.address ?? '',
    action: e.action,
    resource_type: e.resourceType,
    resource_ref: e.resourceRef,
    details: JSON.stringify(e.details ?? {}),
  });
}

export type { AuditFilter } from '../store/audit.js';

/** Entries matching the filter, newest first. */
export async function listAudit(tx: Tx, f: AuditFilter): Promise<AuditRecord[]> {
  return (await listRows(tx, f)).map((r) => ({
    id: r.id,
    timestamp: new Date(r.ts).toISOString(),
    actor: r.actor,
    source_address: r.source_address,
    action: r.action,
    resource_type: r.resource_type,
    resource_ref: r.resource_ref,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));
}
