// Permission types and grants, st2-style: a permission is `<resource type>:<verb>` (st2's
// `action_execute` spelling is accepted too), a grant gives permission types either
// globally or on one resource (`pack:deploy`, `action:core.local`, `key:system.app.*`).
// See https://docs.stackstorm.com/rbac.html for the model this mirrors.
import { SquallError } from '../errors.js';

export const RESOURCE_TYPES = [
  'pack', 'action', 'rule', 'execution', 'key', 'webhook', 'inquiry', 'sensor', 'trigger',
  // Administration: only admins (or explicit grants) touch these.
  'user', 'role', 'api_key', 'audit', 'datastore', 'system',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const VERBS = ['list', 'view', 'create', 'modify', 'delete', 'execute', 'respond', 'decrypt', 'all'] as const;
export type Verb = (typeof VERBS)[number];

/** `type:verb`, e.g. 'execution:list', 'action:execute', 'key:decrypt'. */
export type Permission = `${ResourceType}:${Verb}`;

/** What a permission is checked against; fields a grant's resource_uid can match. */
export interface Resource {
  type: ResourceType;
  /** The resource's own ref: action/rule ref, execution id, key ref ('system.x' / 'user:alice.x'). */
  ref?: string;
  /** The pack it belongs to (actions, rules, sensors, triggers, executions of an action). */
  pack?: string;
  /** For executions: the action's ref, so `action:X` grants cover X's executions. */
  action?: string;
  /** Who owns it (execution starter, rule creator, user-scope key owner). */
  owner?: string;
}

export interface Grant {
  /** Absent: every resource of the permission's type. */
  resource_uid?: string;
  permission_types: Permission[];
}

export interface Role {
  name: string;
  description: string;
  grants: Grant[];
  /** 'system', 'api' or 'file:<path>'. */
  source: string;
}

// st2 names that are not `<type>_<verb>` of a Squall verb.
const ST2_NAMES: Readonly<Record<string, Permission>> = { webhook_send: 'webhook:execute' };

/** Parses 'action:execute' or st2's 'action_execute' / 'key_value_pair_view' / 'webhook_send'; throws on anything else. */
export function parsePermission(given: string): Permission {
  const named = ST2_NAMES[given];
  if (named) return named;
  const st2 = given.replace(/^key_value_pair_/, 'key_').replace(/^api_key_/, 'api_key:');
  const m = /^([a-z_]+?)[:_](list|view|create|modify|delete|execute|respond|decrypt|all)$/.exec(st2);
  if (!m || !(RESOURCE_TYPES as readonly string[]).includes(m[1]!)) {
    throw new SquallError('BAD_REQUEST', `unknown permission type ${JSON.stringify(given)}: use <type>:<verb> with type one of ${RESOURCE_TYPES.join(', ')} and verb one of ${VERBS.join(', ')}`, { field: 'permission_types' });
  }
  return `${m[1]}:${m[2]}` as Permission;
}

const UID = /^(pack|action|rule|execution|key|webhook|inquiry|sensor|trigger|user|role|api_key):(.+)$/;

export function assertResourceUid(uid: string): void {
  if (!UID.test(uid)) {
    throw new SquallError('BAD_REQUEST', `resource_uid ${JSON.stringify(uid)} must look like pack:NAME, action:PACK.NAME, rule:PACK.NAME, key:system.NAME (a trailing * matches a prefix)`, { field: 'resource_uid' });
  }
}

function refMatches(pattern: string, ref: string | undefined): boolean {
  if (ref === undefined) return false;
  return pattern.endsWith('*') ? ref.startsWith(pattern.slice(0, -1)) : ref === pattern;
}

/** Whether a grant's resource_uid covers the resource. */
export function uidCovers(uid: string | undefined, r: Resource): boolean {
  if (uid === undefined) return true;
  const m = UID.exec(uid);
  if (!m) return false;
  const [, type, ref] = m as unknown as [string, string, string];
  if (type === 'pack') return r.pack === ref || (r.type === 'pack' && r.ref === ref);
  if (type === 'action' && r.type === 'execution') return refMatches(ref, r.action);
  return type === r.type && refMatches(ref, r.ref);
}

/** Whether a granted permission type gives `wanted` ('x:all' gives every verb on x but decrypt). */
export function permissionCovers(granted: Permission, wanted: Permission): boolean {
  if (granted === wanted) return true;
  const [gt, gv] = granted.split(':');
  const [wt, wv] = wanted.split(':');
  return gt === wt && gv === 'all' && wv !== 'decrypt';
}

/** Every role's grants flattened, with a fast path for global permissions. */
export interface CompiledGrants {
  isAdmin: boolean;
  global: ReadonlySet<Permission>;
  scoped: ReadonlyArray<{ uid: string; permissions: readonly Permission[] }>;
}

export function compileGrants(roles: readonly Role[]): CompiledGrants {
  const global = new Set<Permission>();
  const scoped: Array<{ uid: string; permissions: Permission[] }> = [];
  for (const role of roles) {
    for (const g of role.grants) {
      if (g.resource_uid === undefined) for (const p of g.permission_types) global.add(p);
      else scoped.push({ uid: g.resource_uid, permissions: g.permission_types });
    }
  }
  return { isAdmin: roles.some((r) => r.name === 'admin'), global, scoped };
}

// What every signed-in user may do with what is theirs: their user-scope keys (including
// decrypt), the executions they started (list, view, cancel), their own API keys, their own
// user record.
function ownerAllows(username: string, wanted: Permission, r: Resource): boolean {
  if (r.owner !== username) return false;
  const [type, verb] = wanted.split(':') as [ResourceType, Verb];
  if (type === 'key') return r.ref === undefined || r.ref.startsWith(`user:${username}.`);
  if (type === 'execution') return verb === 'list' || verb === 'view' || verb === 'modify';
  if (type === 'api_key') return verb !== 'execute';
  if (type === 'user') return verb === 'view' || verb === 'modify';
  return false;
}

/** The decision: admin, a global grant, a grant on the resource, or ownership. */
export function allows(g: CompiledGrants, username: string, wanted: Permission, r: Resource): boolean {
  if (g.isAdmin) return true;
  const [type] = wanted.split(':');
  // User-scope keys are private to their owner (and admins), whatever the key grants say.
  if (type === 'key' && r.owner !== undefined && r.owner !== username) return false;
  if (g.global.has(wanted) || (g.global.has(`${type}:all` as Permission) && !wanted.endsWith(':decrypt'))) return true;
  for (const s of g.scoped) {
    if (uidCovers(s.uid, r) && s.permissions.some((p) => permissionCovers(p, wanted))) return true;
  }
  return ownerAllows(username, wanted, r);
}

/**
 * What a list may show a user who holds the list permission on no more than some resources:
 * those the grants name, and what the user owns.
 */
export interface ListScope {
  /** The resource uids of the grants that give the permission, split: `pack:core` → { type: 'pack', ref: 'core' }. */
  grants: ReadonlyArray<{ type: ResourceType; ref: string }>;
  /** The user whose own resources are listed too (the executions they started), or null. */
  owner: string | null;
}

/**
 * How to list with `wanted` (a `<type>:list`): 'all' for admins and global grants (no filter),
 * a ListScope to filter by, or null when the user may list nothing. st2 has no scoped list
 * permissions (its `*_list` are global only); Squall filters by the grants instead of refusing.
 */
export function listScope(g: CompiledGrants, username: string, wanted: Permission): 'all' | ListScope | null {
  if (g.isAdmin) return 'all';
  const type = wanted.split(':')[0] as ResourceType;
  if (g.global.has(wanted) || g.global.has(`${type}:all` as Permission)) return 'all';
  const grants = g.scoped.filter((s) => s.permissions.some((p) => permissionCovers(p, wanted))).map((s) => {
    const [, t, ref] = UID.exec(s.uid) as unknown as [string, ResourceType, string];
    return { type: t, ref };
  });
  const owner = ownerAllows(username, wanted, { type, owner: username }) ? username : null;
  return grants.length === 0 && owner === null ? null : { grants, owner };
}

const READ_ALL: Permission[] = RESOURCE_TYPES.filter((t) => !['user', 'role', 'api_key', 'audit', 'datastore'].includes(t))
  .flatMap((t) => [`${t}:list`, `${t}:view`] as Permission[]);

/** The built-in roles; they cannot be redefined by files or the API. */
export const SYSTEM_ROLES: readonly Role[] = [
  { name: 'admin', description: 'Everything, including users, roles, API keys, audit and decrypting system secrets.', grants: [], source: 'system' },
  {
    name: 'operator',
    description: 'Runs actions, controls executions, manages rules and keys (without decrypting system secrets), answers inquiries.',
    grants: [{ permission_types: [...READ_ALL, 'action:execute', 'execution:all', 'rule:create', 'rule:modify', 'rule:delete',
      'key:create', 'key:modify', 'key:delete', 'inquiry:respond', 'webhook:execute', 'trigger:execute'] }],
    source: 'system',
  },
  { name: 'observer', description: 'Reads everything but secrets; changes nothing.', grants: [{ permission_types: READ_ALL }], source: 'system' },
];
