// squall role list|get|set|delete|assign|unassign|assignments|reload: RBAC (administrators).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { makeClient } from '../client.js';
import { printJson, printRecord, printTable } from '../output.js';

export function registerRoleCommands(program: Command): void {
  const role = program.command('role').description('RBAC roles and assignments');
  role.command('list').description('roles').option('--json', 'JSON output').action(async (o: { json?: boolean }) => {
    const list = await makeClient().get<Array<Record<string, unknown>>>('/rbac/roles');
    if (o.json) return printJson(list);
    printTable(list, ['name', 'source', 'description']);
  });
  role.command('get <name>').description('one role with its grants').option('--json', 'JSON output').action(async (name: string, o: { json?: boolean }) => {
    const r = await makeClient().get<Record<string, unknown>>(`/rbac/roles/${encodeURIComponent(name)}`);
    if (o.json) printJson(r);
    else printRecord(r);
  });
  role.command('set <file>')
    .description('create or replace a role from a YAML file in st2 format (name, description, permission_grants)')
    .action(async (file: string) => {
      const y = parseYaml(readFileSync(file, 'utf8')) as { name: string; description?: string; permission_grants?: unknown };
      await makeClient().put(`/rbac/roles/${encodeURIComponent(y.name)}`, { description: y.description, permission_grants: y.permission_grants ?? [] });
      process.stdout.write(`role ${y.name} saved\n`);
    });
  role.command('delete <name>').description('delete an API-defined role').action(async (name: string) => {
    await makeClient().delete(`/rbac/roles/${encodeURIComponent(name)}`);
    process.stdout.write(`deleted role ${name}\n`);
  });
  role.command('assign <user> <role>').description('give a user a role').action(async (user: string, r: string) => {
    await makeClient().post('/rbac/assignments', { user, role: r });
    process.stdout.write(`${user} now has role ${r}\n`);
  });
  role.command('unassign <user> <role>').description('take a role (assigned through the API) from a user').action(async (user: string, r: string) => {
    await makeClient().delete(`/rbac/assignments/${encodeURIComponent(user)}/${encodeURIComponent(r)}`);
    process.stdout.write(`${user} no longer has role ${r}\n`);
  });
  role.command('assignments').description('who has which role').option('-u, --user <user>', 'one user').option('--json', 'JSON output')
    .action(async (o: { user?: string; json?: boolean }) => {
      const list = await makeClient().get<Array<Record<string, unknown>>>(`/rbac/assignments${o.user ? `?user=${encodeURIComponent(o.user)}` : ''}`);
      if (o.json) return printJson(list);
      printTable(list, ['username', 'role', 'source']);
    });
  role.command('reload').description('load $SQUALL_HOME/rbac/{roles,assignments}/*.yaml again (all or nothing)')
    .action(async () => {
      const r = await makeClient().post<{ roles: string[]; assignments: number }>('/rbac/reload', {});
      process.stdout.write(`loaded ${r.roles.length} role(s) and ${r.assignments} assignment(s) from files\n`);
    });
}
