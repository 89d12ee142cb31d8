// SQL for inquiries (core.ask). The inquiry's status is its execution's: reads join them.
import type { Tx } from './types.js';
import type { ExecutionStatus } from '../executions/status.js';

export interface InquiryRow {
  id: string;
  parent_id: string | null;
  route: string;
  schema: Record<string, unknown>;
  users: string[];
  roles: string[];
  /** Minutes; 0 or less never expires (st2). */
  ttl: number;
  created_at: number;
  expires_at: number | null;
  responded_by: string | null;
  responded_at: number | null;
}

export interface StoredInquiry extends InquiryRow {
  status: ExecutionStatus;
}

interface Raw {
  id: string;
  parent_id: string | null;
  route: string;
  schema: string;
  users: string;
  roles: string;
  ttl: number;
  created_at: number;
  expires_at: number | null;
  responded_by: string | null;
  responded_at: number | null;
  status: ExecutionStatus;
}

function toInquiry(r: Raw): StoredInquiry {
  return {
    id: r.id,
    parent_id: r.parent_id,
    route: r.route,
    schema: JSON.parse(r.schema),
    users: JSON.parse(r.users),
    roles: JSON.parse(r.roles),
    ttl: Number(r.ttl),
    created_at: Number(r.created_at),
    expires_at: r.expires_at === null ? null : Number(r.expires_at),
    responded_by: r.responded_by,
    responded_at: r.responded_at === null ? null : Number(r.responded_at),
    status: r.status,
  };
}

const SELECT = 'select i.*, e.status from inquiries i join executions e on e.id = i.id';

export async function insertInquiry(tx: Tx, i: InquiryRow): Promise<void> {
  await tx.run(
    `insert into inquiries (id, parent_id, route, schema, users, roles, ttl, created_at, expires_at, responded_by, responded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [i.id, i.parent_id, i.route, JSON.stringify(i.schema), JSON.stringify(i.users), JSON.stringify(i.roles), i.ttl,
      i.created_at, i.expires_at, i.responded_by, i.responded_at],
  );
}

export async function getInquiry(tx: Tx, id: string): Promise<StoredInquiry | undefined> {
  const row = await tx.get<Raw>(`${SELECT} where i.id = $1`, [id]);
  return row && toInquiry(row);
}

/** Inquiries whose execution is in `status` (st2 lists the pending ones), newest first. */
export async function listInquiries(tx: Tx, status: ExecutionStatus, limit: number, offset: number): Promise<StoredInquiry[]> {
  const rows = await tx.all<Raw>(`${SELECT} where e.status = $1 order by i.created_at desc, i.id desc limit $2 offset $3`, [status, limit, offset]);
  return rows.map(toInquiry);
}

export async function markResponded(tx: Tx, id: string, user: string, at: number): Promise<void> {
  await tx.run('update inquiries set responded_by = $1, responded_at = $2 where id = $3', [user, at, id]);
}
