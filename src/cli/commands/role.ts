// squall role list|get|set|delete|assign|unassign|assignments|reload: RBAC (administrators).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { SquallError } from '../../errors.js';
import { makeClient } from '../client.js';
import { printJson, printOutcome, printRecord, printTable } from '../output.js';

type Json = Record<string, unknown>;

/** A role file in st2 format; its problems come out as file: message before the server is asked. */
function readRoleFile(file: string): { name: string; description?: string; permission_grants?: unknown } {
  let y: unknown;
  try {
    y = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SquallError('BAD_REQUEST', `${file}: ${(err as Error).message.split('\n')[0]}`, { file }, { cause: err });
  }
  const role = y as { name?: unknown } | null;
  if (typeof role?.name !== 'string') throw new SquallError('BAD_REQUEST', `${file}: name: required, a string`, { file, field: 'name' });
  return role as { name: string };
}

export function registerRoleCommands(program: Command): void {
  const role = program.command('role').description('RBAC roles and assignments');
  role.command('list').description('roles').option('--json', 'JSON output').action(async (o: { json?: boolean }) => {
    const list = await makeClient().get<Json[]>('/rbac/roles');
    if (o.json) return printJson(list);
    printTable(list, ['name', 'source', 'description']);
  });
  role.command('get <name>').description('one role with its grants').option('--json', 'JSON output').action(async (name: string, o: { json?: boolean }) => {
    const r = await makeClient().get<Json>(`/rbac/roles/${encodeURIComponent(name)}`);
    if (o.json) printJson(r);
    else printRecord(r);
  });
  role.command('set <file>')
    .description('create or replace a role from a YAML file in st2 format (name, description, permission_grants)')
    .option('--json', 'JSON output')
    .action(async (file: string, o: { json?: boolean }) => {
      const y = readRoleFile(file);
      const saved = await makeClient().put<Json>(`/rbac/roles/${encodeURIComponent(y.name)}`, { description: y.description, permission_grants: y.permission_grants ?? [] });
      printOutcome(o.json, saved, `role ${y.name} saved`);
    });
  role.command('delete <name>').description('delete an API-defined role').option('--json', 'JSON output')
    .action(async (name: string, o: { json?: boolean }) => {
      await makeClient().delete(`/rbac/roles/${encodeURIComponent(name)}`);
      printOutcome(o.json, { role: name, deleted: true }, `deleted role ${name}`);
    });
  role.command('assign <user> <role>').description('give a user a role').option('--json', 'JSON output')
    .action(async (user: string, r: string, o: { json?: boolean }) => {
      const assigned = await makeClient().post<Json>('/rbac/assignments', { user, role: r });
      printOutcome(o.json, assigned, `${user} now has role ${r}`);
    });
  role.command('unassign <user> <role>').description('take a role (assigned through the API) from a user').option('--json', 'JSON output')
    .action(async (user: string, r: string, o: { json?: boolean }) => {
      await makeClient().delete(`/rbac/assignments/${encodeURIComponent(user)}/${encodeURIComponent(r)}`);
      printOutcome(o.json, { user, role: r, unassigned: true }, `${user} no longer has role ${r}`);
    });
  role.command('assignments').description('who has which role').option('-u, --user <user>', 'one user').option('--json', 'JSON output')
    .action(async (o: { user?: string; json?: boolean }) => {
      const list = await makeClient().get<Json[]>(`/rbac/assignments${o.user ? `?user=${encodeURIComponent(o.user)}` : ''}`);
      if (o.json) return printJson(list);
      printTable(list, ['username', 'role', 'source']);
    });
  role.command('reload').description('load $SQUALL_HOME/rbac/{roles,assignments}/*.yaml again (all or nothing)').option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const r = await makeClient().post<{ roles: string[]; assignments: number }>('/rbac/reload', {});
      printOutcome(o.json, r, `loaded ${r.roles.length} role(s) and ${r.assignments} assignment(s) from files`);
    });
}
