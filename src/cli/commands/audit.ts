// squall audit list: who changed what, when, from where.
import type { Command } from 'commander';
import { makeClient } from '../client.js';
import { printJson, printTable } from '../output.js';

export function registerAuditCommands(program: Command): void {
  const auditCmd = program.command('audit').description('the audit log (administrators)');
  auditCmd.command('list')
    .description('entries, newest first')
    .option('-u, --actor <user>', 'done by this user')
    .option('-a, --action <action>', 'e.g. rule.update, key.create, execution.request')
    .option('-t, --resource-type <type>', 'e.g. rule, key, execution, user, role')
    .option('-r, --resource <ref>', 'one resource, e.g. mypack.myrule')
    .option('--since <iso>', 'at or after this time (ISO 8601)')
    .option('--until <iso>', 'before this time')
    .option('-n, --limit <n>', 'how many', '50')
    .option('--json', 'JSON output')
    .action(async (o: { actor?: string; action?: string; resourceType?: string; resource?: string; since?: string; until?: string; limit: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: o.limit });
      for (const [k, v] of [['actor', o.actor], ['action', o.action], ['resource_type', o.resourceType], ['resource_ref', o.resource], ['since', o.since], ['until', o.until]] as const) {
        if (v) q.set(k, v);
      }
      const list = await makeClient().get<Array<Record<string, unknown>>>(`/audit?${q}`);
      if (o.json) return printJson(list);
      printTable(list, ['timestamp', 'actor', 'source_address', 'action', 'resource_type', 'resource_ref']);
    });
}
