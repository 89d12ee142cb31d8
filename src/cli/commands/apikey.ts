// squall apikey create|list|get|delete|enable|disable: API keys (the key is printed once).
import type { Command } from 'commander';
import { makeClient } from '../client.js';
import { printJson, printOutcome, printRecord, printTable } from '../output.js';

export function registerApiKeyCommands(program: Command): void {
  const apikey = program.command('apikey').description('API keys');
  apikey.command('create')
    .description('create an API key; it is shown this once')
    .option('-u, --user <user>', 'for this user (administrators; default: you)')
    .option('-l, --ttl <seconds>', 'expire after this many seconds')
    .option('-m, --description <text>', 'what the key is for')
    .option('-k, --only-key', 'print only the key')
    .option('--json', 'JSON output')
    .action(async (o: { user?: string; ttl?: string; description?: string; onlyKey?: boolean; json?: boolean }) => {
      const k = await makeClient().post<Record<string, unknown>>('/apikeys', {
        ...(o.user ? { user: o.user } : {}), ...(o.ttl ? { ttl: Number(o.ttl) } : {}), ...(o.description ? { description: o.description } : {}),
      });
      if (o.json) return printJson(k);
      if (o.onlyKey) return void process.stdout.write(`${k.key}\n`);
      printRecord({ id: k.id, user: k.user, key: k.key, expires_at: k.expires_at });
      process.stderr.write('  the key is not stored in clear: copy it now\n');
    });
  apikey.command('list')
    .description('API keys (yours; --user NAME or --user "*" for administrators)')
    .option('-u, --user <user>', 'whose keys')
    .option('--json', 'JSON output')
    .action(async (o: { user?: string; json?: boolean }) => {
      const list = await makeClient().get<Array<Record<string, unknown>>>(`/apikeys${o.user ? `?user=${encodeURIComponent(o.user)}` : ''}`);
      if (o.json) return printJson(list);
      printTable(list, ['id', 'user', 'enabled', 'created_at', 'expires_at', 'description']);
    });
  apikey.command('get <id>').description('one API key (never the key itself)').option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean }) => {
      const k = await makeClient().get<Record<string, unknown>>(`/apikeys/${id}`);
      if (o.json) printJson(k);
      else printRecord(k);
    });
  apikey.command('delete <id>').description('delete an API key').option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean }) => {
      await makeClient().delete(`/apikeys/${id}`);
      printOutcome(o.json, { id, deleted: true }, `deleted API key ${id}`);
    });
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    apikey.command(`${verb} <id>`).description(`${verb} an API key`).option('--json', 'JSON output')
      .action(async (id: string, o: { json?: boolean }) => {
        const k = await makeClient().put<Record<string, unknown>>(`/apikeys/${id}`, { enabled });
        printOutcome(o.json, k, `API key ${id} ${verb}d`);
      });
  }
}
