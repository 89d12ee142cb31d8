// Roles and assignments as code: $SQUALL_HOME/rbac/roles/*.yaml and rbac/assignments/*.yaml,
// in st2's format (https://docs.stackstorm.com/rbac.html#defining-roles-and-permission-grants):
//
//   # rbac/roles/deployers.yaml                # rbac/assignments/alice.yaml
//   name: deployers                            username: alice
//   permission_grants:                         roles: [deployers, observer]
//     - resource_uid: pack:deploy
//       permission_types: [action_execute, action_view]
//
// Every file is read and checked before anything is applied; one bad file applies nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { SquallError } from '../errors.js';
import type { Store } from '../store/types.js';
import type { Actor } from './audit.js';
import { SYSTEM_ROLES, type Role } from './permissions.js';
import { listRoles, normaliseRole, replaceFileDefinitions } from './rbac.js';

export interface RbacFiles {
  roles: Role[];
  assignments: Array<{ username: string; role: string; source: string }>;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
}

function readYaml(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new SquallError('RBAC_FILE_INVALID', `${file}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0]}`, { file, line: e.linePos?.[0].line });
  }
  const value = doc.toJS() as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SquallError('RBAC_FILE_INVALID', `${file}: expected a mapping at the top level`, { file });
  }
  return value as Record<string, unknown>;
}

function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SquallError && err.code !== 'RBAC_FILE_INVALID') {
      throw new SquallError('RBAC_FILE_INVALID', `${file}: ${err.message}`, { file, field: err.where.field }, { cause: err });
    }
    throw err;
  }
}

/** Reads and checks every file under `<home>/rbac`; throws RBAC_FILE_INVALID listing every problem. */
export function readRbacFiles(home: string, knownRoles: ReadonlySet<string>): RbacFiles {
  const problems: SquallError[] = [];
  const roles: Role[] = [];
  const assignments: RbacFiles['assignments'] = [];
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof SquallError)) throw err;
      problems.push(err);
    }
  };
  for (const file of yamlFiles(join(home, 'rbac', 'roles'))) {
    attempt(() => inFile(file, () => {
      const y = readYaml(file);
      if (typeof y.name !== 'string') throw new SquallError('BAD_REQUEST', 'name: required, a string', { field: 'name' });
      if (roles.some((r) => r.name === y.name)) throw new SquallError('BAD_REQUEST', `role ${y.name} is defined twice`, { field: 'name' });
      roles.push(normaliseRole({ name: y.name, description: typeof y.description === 'string' ? y.description : '', permission_grants: y.permission_grants }, `file:${file}`));
    }));
  }
  const defined = new Set([...knownRoles, ...roles.map((r) => r.name)]);
  for (const file of yamlFiles(join(home, 'rbac', 'assignments'))) {
    attempt(() => inFile(file, () => {
      const y = readYaml(file);
      if (typeof y.username !== 'string' || !y.username) throw new SquallError('BAD_REQUEST', 'username: required, a string', { field: 'username' });
      if (!Array.isArray(y.roles) || y.roles.some((r) => typeof r !== 'string')) throw new SquallError('BAD_REQUEST', 'roles: required, a list of role names', { field: 'roles' });
      for (const role of y.roles as string[]) {
        if (!defined.has(role)) throw new SquallError('BAD_REQUEST', `role ${role} does not exist`, { field: 'roles' });
        assignments.push({ username: y.username, role, source: `file:${file}` });
      }
    }));
  }
  if (problems.length) {
    throw new SquallError('RBAC_FILE_INVALID', problems.map((p) => p.message).join('; '), problems[0]!.where, { details: problems.map((p) => p.message) });
  }
  return { roles, assignments };
}

/** Loads the RBAC directory into the store (at start and on POST /rbac/reload). */
export async function loadRbacFiles(store: Store, home: string, actor: Actor, now: number): Promise<RbacFiles> {
  const apiRoles = (await listRoles(store)).filter((r) => r.source === 'api' || r.source === 'system').map((r) => r.name);
  const files = readRbacFiles(home, new Set([...SYSTEM_ROLES.map((r) => r.name), ...apiRoles]));
  await replaceFileDefinitions(store, files.roles, files.assignments, actor, now);
  return files;
}
