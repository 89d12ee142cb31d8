// Roles, assignments and the one permission check. Grants are compiled per user and cached;
// every change notifies RBAC_CHANNEL in its transaction, and each node's authorizer drops its
// cache on the notification (the cache also ages out, in case a wake-up is missed).
import { SquallError } from '../errors.js';
import * as sql from '../store/auth.js';
import type { Store, Tx } from '../store/types.js';
import { audit, type Actor } from './audit.js';
import type { Principal } from './api-keys.js';
import {
  SYSTEM_ROLES, allows, assertResourceUid, compileGrants, listScope, parsePermission,
  type CompiledGrants, type Grant, type ListScope, type Permission, type Resource, type Role,
} from './permissions.js';

export const RBAC_CHANNEL = 'squall_rbac';
const CACHE_MS = 30_000;

export interface Authorizer {
  /**
   * Whether the principal holds `permission` on `resource` (default: the permission's type,
   * globally). Inside a transaction pass it as `tx`: grants not cached are read through it.
   */
  authorize(principal: Principal, permission: Permission, resource?: Resource, tx?: Tx): Promise<boolean>;
  /** As authorize, but throws FORBIDDEN naming the permission. */
  assert(principal: Principal, permission: Permission, resource?: Resource): Promise<void>;
  /** How the principal may list with a `<type>:list` permission (see permissions.ts listScope). */
  listScope(principal: Principal, permission: Permission): Promise<'all' | ListScope | null>;
  /** The roles assigned to a user (for GET /auth/me style answers). */
  rolesOf(username: string): Promise<string[]>;
  /** Forgets every cached grant on this node (other nodes hear RBAC_CHANNEL). */
  invalidate(): void;
  close(): void;
}

function rowToRole(r: sql.RoleRow): Role {
  return { name: r.name, description: r.description, grants: JSON.parse(r.grants) as Grant[], source: r.source };
}

async function grantsOf(tx: Tx, username: string): Promise<{ roles: string[]; compiled: CompiledGrants }> {
  const names = [...new Set((await sql.listAssignments(tx, username)).map((a) => a.role))];
  const roles: Role[] = [];
  for (const name of names) {
    const row = await sql.getRole(tx, name);
    if (row) roles.push(rowToRole(row));
  }
  return { roles: names, compiled: compileGrants(roles) };
}

export function createAuthorizer(store: Store, now: () => number = Date.now): Authorizer {
  const cache = new Map<string, { until: number; roles: string[]; compiled: CompiledGrants }>();
  const off = store.listen(RBAC_CHANNEL, () => cache.clear());
  // A caller holding a transaction reads through it: waiting for a second connection while
  // holding one deadlocks PostgreSQL's pool once every connection is held that way.
  const load = async (username: string, tx?: Tx) => {
    const hit = cache.get(username);
    if (hit && hit.until > now()) return hit;
    const fresh = { ...(await (tx ? grantsOf(tx, username) : store.read((t) => grantsOf(t, username)))), until: now() + CACHE_MS };
    cache.set(username, fresh);
    return fresh;
  };
  const authorize: Authorizer['authorize'] = async (principal, permission, resource, tx) => {
    const { compiled } = await load(principal.username, tx);
    return allows(compiled, principal.username, permission, resource ?? { type: permission.split(':')[0] as Resource['type'] });
  };
  return {
    authorize,
    async assert(principal, permission, resource) {
      if (!(await authorize(principal, permission, resource))) {
        const on = resource?.ref ? ` on ${resource.type} ${resource.ref}` : '';
        throw new SquallError('FORBIDDEN', `user ${principal.username} lacks permission ${permission}${on}`);
      }
    },
    async listScope(principal, permission) {
      return listScope((await load(principal.username)).compiled, principal.username, permission);
    },
    async rolesOf(username) {
      return (await load(username)).roles;
    },
    invalidate: () => cache.clear(),
    close: off,
  };
}

/** Creates the system roles and makes the 'admin' user an admin (idempotent; run at start). */
export async function seedSystemRoles(tx: Tx, now: number): Promise<void> {
  for (const r of SYSTEM_ROLES) {
    await sql.upsertRole(tx, { name: r.name, description: r.description, grants: JSON.stringify(r.grants), source: 'system', updated_at: now });
  }
  await sql.insertAssignment(tx, { username: 'admin', role: 'admin', source: 'system', created_at: now });
}

const ROLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/** Checks and normalises a role definition (permission spellings, resource uids). */
export function normaliseRole(input: { name: string; description?: string; permission_grants?: unknown }, source: string): Role {
  if (!ROLE_NAME.test(input.name)) throw new SquallError('BAD_REQUEST', `role name ${JSON.stringify(input.name)} must be letters, digits, . _ - (up to 100)`, { field: 'name' });
  if (SYSTEM_ROLES.some((r) => r.name === input.name)) throw new SquallError('CONFLICT', `${input.name} is a system role and cannot be redefined`, { field: 'name' });
  const grants = input.permission_grants ?? [];
  if (!Array.isArray(grants)) throw new SquallError('BAD_REQUEST', 'permission_grants must be a list', { field: 'permission_grants' });
  return {
    name: input.name,
    description: input.description ?? '',
    source,
    grants: grants.map((g: unknown, i: number) => {
      const o = (g ?? {}) as { resource_uid?: unknown; permission_types?: unknown };
      if (o.resource_uid !== undefined) {
        if (typeof o.resource_uid !== 'string') throw new SquallError('BAD_REQUEST', `permission_grants[${i}].resource_uid must be a string`, { field: `permission_grants.${i}.resource_uid` });
        assertResourceUid(o.resource_uid);
      }
      if (!Array.isArray(o.permission_types) || o.permission_types.length === 0) {
        throw new SquallError('BAD_REQUEST', `permission_grants[${i}].permission_types must be a non-empty list`, { field: `permission_grants.${i}.permission_types` });
      }
      return {
        ...(o.resource_uid !== undefined ? { resource_uid: o.resource_uid as string } : {}),
        permission_types: o.permission_types.map((p) => parsePermission(String(p))),
      };
    }),
  };
}

export async function listRoles(store: Store): Promise<Role[]> {
  return (await store.read(sql.listRoles)).map(rowToRole);
}

export async function getRole(store: Store, name: string): Promise<Role> {
  const row = await store.read((tx) => sql.getRole(tx, name));
  if (!row) throw new SquallError('ROLE_NOT_FOUND', `no role ${name}`);
  return rowToRole(row);
}

function changed(tx: Tx): void {
  tx.notify(RBAC_CHANNEL, '');
}

/** Creates or replaces an API-defined role. */
export async function putRole(store: Store, role: Role, actor: Actor, now: number): Promise<Role> {
  await store.tx(async (tx) => {
    const existing = await sql.getRole(tx, role.name);
    if (existing && existing.source !== 'api') throw new SquallError('CONFLICT', `role ${role.name} comes from ${existing.source}; change it there`);
    await sql.upsertRole(tx, { name: role.name, description: role.description, grants: JSON.stringify(role.grants), source: 'api', updated_at: now });
    await audit(tx, { actor, ts: now, action: existing ? 'role.update' : 'role.create', resourceType: 'role', resourceRef: role.name, details: { grants: role.grants } });
    changed(tx);
  });
  return { ...role, source: 'api' };
}

export async function deleteRole(store: Store, name: string, actor: Actor, now: number): Promise<void> {
  await store.tx(async (tx) => {
    const existing = await sql.getRole(tx, name);
    if (!existing) throw new SquallError('ROLE_NOT_FOUND', `no role ${name}`);
    if (existing.source !== 'api') throw new SquallError('CONFLICT', `role ${name} comes from ${existing.source} and cannot be deleted through the API`);
    await sql.deleteAssignmentsOfRole(tx, name);
    await sql.deleteRole(tx, name);
    await audit(tx, { actor, ts: now, action: 'role.delete', resourceType: 'role', resourceRef: name });
    changed(tx);
  });
}

export async function assignRole(store: Store, username: string, role: string, actor: Actor, now: number): Promise<void> {
  await store.tx(async (tx) => {
    if (!(await sql.getRole(tx, role))) throw new SquallError('ROLE_NOT_FOUND', `no role ${role}`);
    await sql.insertAssignment(tx, { username, role, source: 'api', created_at: now });
    await audit(tx, { actor, ts: now, action: 'role.assign', resourceType: 'user', resourceRef: username, details: { role } });
    changed(tx);
  });
}

export async function unassignRole(store: Store, username: string, role: string, actor: Actor, now: number): Promise<void> {
  await store.tx(async (tx) => {
    if ((await sql.deleteAssignment(tx, username, role, 'api')) === 0) {
      throw new SquallError('NOT_FOUND', `user ${username} has no API-made assignment of role ${role} (file assignments are changed in their file)`);
    }
    await audit(tx, { actor, ts: now, action: 'role.unassign', resourceType: 'user', resourceRef: username, details: { role } });
    changed(tx);
  });
}

export async function listAssignments(store: Store, username?: string): Promise<sql.AssignmentRow[]> {
  return store.read((tx) => sql.listAssignments(tx, username));
}

/** Replaces every file-sourced role and assignment in one transaction (see rbac-files.ts). */
export async function replaceFileDefinitions(
  store: Store, roles: readonly Role[], assignments: ReadonlyArray<{ username: string; role: string; source: string }>, actor: Actor, now: number,
): Promise<void> {
  await store.tx(async (tx) => {
    await sql.deleteAssignmentsFromFiles(tx);
    await sql.deleteRolesFromFiles(tx);
    for (const r of roles) {
      const existing = await sql.getRole(tx, r.name);
      if (existing) throw new SquallError('RBAC_FILE_INVALID', `${r.source.slice(5)}: role ${r.name} already exists (defined by ${existing.source})`, { file: r.source.slice(5) });
      await sql.upsertRole(tx, { name: r.name, description: r.description, grants: JSON.stringify(r.grants), source: r.source, updated_at: now });
    }
    for (const a of assignments) {
      if (!(await sql.getRole(tx, a.role))) throw new SquallError('RBAC_FILE_INVALID', `${a.source.slice(5)}: role ${a.role} does not exist`, { file: a.source.slice(5), field: 'roles' });
      await sql.insertAssignment(tx, { ...a, created_at: now });
    }
    await audit(tx, { actor, ts: now, action: 'rbac.reload', resourceType: 'role', resourceRef: '*', details: { roles: roles.map((r) => r.name), assignments: assignments.length } });
    changed(tx);
  });
}
