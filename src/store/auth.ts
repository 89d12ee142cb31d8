// SQL for users, tokens, API key management, roles and role assignments.
import type { Tx } from './types.js';

export interface UserRow {
  username: string;
  password_hash: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export async function insertUser(tx: Tx, u: UserRow): Promise<void> {
  await tx.run('insert into users (username, password_hash, enabled, created_at, updated_at) values ($1, $2, $3, $4, $5)',
    [u.username, u.password_hash, u.enabled, u.created_at, u.updated_at]);
}

export function getUser(tx: Tx, username: string): Promise<UserRow | undefined> {
  return tx.get<UserRow>('select * from users where username = $1', [username]);
}

export function listUsers(tx: Tx): Promise<UserRow[]> {
  return tx.all<UserRow>('select * from users order by username');
}

export function deleteUser(tx: Tx, username: string): Promise<number> {
  return tx.run('delete from users where username = $1', [username]);
}

export function setPassword(tx: Tx, username: string, hash: string, now: number): Promise<number> {
  return tx.run('update users set password_hash = $2, updated_at = $3 where username = $1', [username, hash, now]);
}

export interface TokenRow {
  id: string;
  username: string;
  created_at: number;
  expires_at: number;
  revoked: number;
}

export async function insertToken(tx: Tx, t: TokenRow & { token_hash: string }): Promise<void> {
  await tx.run('insert into auth_tokens (id, token_hash, username, created_at, expires_at, revoked) values ($1, $2, $3, $4, $5, 0)',
    [t.id, t.token_hash, t.username, t.created_at, t.expires_at]);
}

export function findTokenByHash(tx: Tx, hash: string): Promise<TokenRow | undefined> {
  return tx.get<TokenRow>('select id, username, created_at, expires_at, revoked from auth_tokens where token_hash = $1', [hash]);
}

export function revokeTokenByHash(tx: Tx, hash: string): Promise<number> {
  return tx.run('update auth_tokens set revoked = 1 where token_hash = $1', [hash]);
}

export function revokeTokensOf(tx: Tx, username: string): Promise<number> {
  return tx.run('update auth_tokens set revoked = 1 where username = $1 and revoked = 0', [username]);
}

export function deleteExpiredTokens(tx: Tx, now: number): Promise<number> {
  return tx.run('delete from auth_tokens where expires_at <= $1', [now]);
}

export interface ApiKeyListRow {
  id: string;
  username: string;
  enabled: number;
  created_at: number;
  expires_at: number | null;
  description: string;
}

export function listApiKeys(tx: Tx, username: string | null): Promise<ApiKeyListRow[]> {
  return username === null
    ? tx.all<ApiKeyListRow>('select id, username, enabled, created_at, expires_at, description from api_keys order by created_at, id')
    : tx.all<ApiKeyListRow>('select id, username, enabled, created_at, expires_at, description from api_keys where username = $1 order by created_at, id', [username]);
}

export function getApiKey(tx: Tx, id: string): Promise<ApiKeyListRow | undefined> {
  return tx.get<ApiKeyListRow>('select id, username, enabled, created_at, expires_at, description from api_keys where id = $1', [id]);
}

export function setApiKeyExtras(tx: Tx, id: string, expiresAt: number | null, description: string): Promise<number> {
  return tx.run('update api_keys set expires_at = $2, description = $3 where id = $1', [id, expiresAt, description]);
}

export function setApiKeyEnabled(tx: Tx, id: string, enabled: boolean): Promise<number> {
  return tx.run('update api_keys set enabled = $2 where id = $1', [id, enabled ? 1 : 0]);
}

export function deleteApiKey(tx: Tx, id: string): Promise<number> {
  return tx.run('delete from api_keys where id = $1', [id]);
}

export function deleteApiKeysOf(tx: Tx, username: string): Promise<number> {
  return tx.run('delete from api_keys where username = $1', [username]);
}

export interface RoleRow {
  name: string;
  description: string;
  grants: string;
  source: string;
  updated_at: number;
}

export async function upsertRole(tx: Tx, r: RoleRow): Promise<void> {
  await tx.run(
    `insert into rbac_roles (name, description, grants, source, updated_at) values ($1, $2, $3, $4, $5)
     on conflict (name) do update set description = excluded.description, grants = excluded.grants, source = excluded.source, updated_at = excluded.updated_at`,
    [r.name, r.description, r.grants, r.source, r.updated_at]);
}

export function listRoles(tx: Tx): Promise<RoleRow[]> {
  return tx.all<RoleRow>('select * from rbac_roles order by name');
}

export function getRole(tx: Tx, name: string): Promise<RoleRow | undefined> {
  return tx.get<RoleRow>('select * from rbac_roles where name = $1', [name]);
}

export function deleteRole(tx: Tx, name: string): Promise<number> {
  return tx.run('delete from rbac_roles where name = $1', [name]);
}

export function deleteRolesFromFiles(tx: Tx): Promise<number> {
  return tx.run("delete from rbac_roles where source like 'file:%'");
}

export interface AssignmentRow {
  username: string;
  role: string;
  source: string;
  created_at: number;
}

export async function insertAssignment(tx: Tx, a: AssignmentRow): Promise<void> {
  await tx.run('insert into rbac_assignments (username, role, source, created_at) values ($1, $2, $3, $4) on conflict (username, role, source) do nothing',
    [a.username, a.role, a.source, a.created_at]);
}

export function deleteAssignment(tx: Tx, username: string, role: string, source: string): Promise<number> {
  return tx.run('delete from rbac_assignments where username = $1 and role = $2 and source = $3', [username, role, source]);
}

export function deleteAssignmentsFromFiles(tx: Tx): Promise<number> {
  return tx.run("delete from rbac_assignments where source like 'file:%'");
}

export function deleteAssignmentsOfRole(tx: Tx, role: string): Promise<number> {
  return tx.run('delete from rbac_assignments where role = $1', [role]);
}

export function listAssignments(tx: Tx, username?: string): Promise<AssignmentRow[]> {
  return username === undefined
    ? tx.all<AssignmentRow>('select * from rbac_assignments order by username, role')
    : tx.all<AssignmentRow>('select * from rbac_assignments where username = $1 order by role', [username]);
}

export interface ApiKeyAuthRow {
  id: string;
  username: string;
  enabled: number;
  expires_at: number | null;
}

export function findApiKeyForAuth(tx: Tx, hash: string): Promise<ApiKeyAuthRow | undefined> {
  return tx.get<ApiKeyAuthRow>('select id, username, enabled, expires_at from api_keys where key_hash = $1', [hash]);
}
