// squall user create|list|delete|password: local users (administrators).
import type { Command } from 'commander';
import { makeClient } from '../client.js';
import { printJson, printOutcome, printTable } from '../output.js';
import { readPassword } from './login.js';

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('local users');
  user.command('create <username>')
    .description('create a user (password from --password, $SQUALL_PASSWORD or the first line of stdin)')
    .option('-p, --password <password>', 'the password (prefer $SQUALL_PASSWORD or stdin: flags show in ps)')
    .option('--json', 'JSON output')
    .action(async (username: string, o: { password?: string; json?: boolean }) => {
      const u = await makeClient().post<Record<string, unknown>>('/users', { username, password: await readPassword(o.password) });
      if (o.json) printJson(u);
      else process.stdout.write(`created user ${username}\n  give it a role: squall role assign ${username} observer\n`);
    });
  user.command('list')
    .description('users and their roles')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const list = await makeClient().get<Array<Record<string, unknown>>>('/users');
      if (o.json) return printJson(list);
      printTable(list.map((u) => ({ ...u, roles: (u.roles as string[]).join(',') })), ['username', 'enabled', 'roles', 'created_at']);
    });
  user.command('delete <username>')
    .description('delete a user with their API keys and tokens')
    .option('--json', 'JSON output')
    .action(async (username: string, o: { json?: boolean }) => {
      await makeClient().delete(`/users/${encodeURIComponent(username)}`);
      printOutcome(o.json, { username, deleted: true }, `deleted user ${username}`);
    });
  user.command('password <username>')
    .description('set a new password (revokes the user\'s tokens)')
    .option('-p, --password <password>', 'the new password')
    .option('--json', 'JSON output')
    .action(async (username: string, o: { password?: string; json?: boolean }) => {
      await makeClient().put(`/users/${encodeURIComponent(username)}/password`, { password: await readPassword(o.password) });
      printOutcome(o.json, { username, password_changed: true }, `password of ${username} changed`);
    });
}
