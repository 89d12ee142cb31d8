// squall trigger list|get, squall trigger-instance list|get|re-emit|purge, squall webhook list
import type { Command } from 'commander';
import { makeClient } from '../client.js';
import { printJson, printRecord, printTable } from '../output.js';
import { group } from './pack.js';
import { purgeCommand } from './server.js';

type Json = Record<string, unknown>;

const show = (json: boolean | undefined, value: Json) => (json ? printJson(value) : printRecord(value));
const query = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return q.size ? `?${q}` : '';
};

export function registerTriggerCommands(program: Command): void {
  const trigger = group(program, 'trigger', 'trigger types and triggers');
  trigger.command('list')
    .description('trigger types (with --type: the triggers of that type, e.g. the webhooks of core.st2.webhook)')
    .option('-p, --pack <name>', 'only trigger types of this pack')
    .option('-t, --type <ref>', 'list the triggers (type + parameters) of this type instead')
    .option('--json', 'JSON output')
    .action(async (o: { pack?: string; type?: string; json?: boolean }) => {
      const client = makeClient();
      if (o.type) {
        const list = await client.get<Json[]>(`/triggers${query({ type: o.type })}`);
        return o.json ? printJson(list) : printTable(list, ['ref', 'type', 'parameters']);
      }
      const list = await client.get<Json[]>(`/triggertypes${query({ pack: o.pack })}`);
      return o.json ? printJson(list) : printTable(list, ['ref', 'description']);
    });
  trigger.command('get <ref>')
    .description('one trigger type (or trigger) with its payload and parameters schemas')
    .option('--json', 'JSON output')
    .action(async (ref: string, o: { json?: boolean }) => {
      const client = makeClient();
      const found = await client.get<Json>(`/triggertypes/${encodeURIComponent(ref)}`).catch(() => client.get<Json>(`/triggers/${encodeURIComponent(ref)}`));
      show(o.json, found);
    });

  const instance = group(program, 'trigger-instance', 'trigger instances: the events Squall received');
  instance.command('list')
    .description('recent trigger instances, newest first')
    .option('--trigger <ref>', 'only instances of this trigger')
    .option('--trigger-type <ref>', 'only instances of this trigger type')
    .option('--since <time>', 'ISO time or an age such as 1h')
    .option('-n, --limit <n>', 'how many', '50')
    .option('--json', 'JSON output')
    .action(async (o: { trigger?: string; triggerType?: string; since?: string; limit: string; json?: boolean }) => {
      const list = await makeClient().get<Json[]>(`/triggerinstances${query({ trigger: o.trigger, trigger_type: o.triggerType, since: o.since, limit: o.limit })}`);
      if (o.json) return printJson(list);
      printTable(list, ['id', 'trigger', 'occurrence_time', 'status', 'payload']);
    });
  instance.command('get <id>')
    .description('one trigger instance with its payload')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean }) => show(o.json, await makeClient().get<Json>(`/triggerinstances/${id}`)));
  instance.command('re-emit <id>')
    .description('store a copy of a trigger instance as a new one, so the rules decide it again')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean }) => {
      const created = await makeClient().post<Json>(`/triggerinstances/${id}/re_emit`);
      if (o.json) return printJson(created);
      process.stdout.write(`re-emitted ${id} as ${String(created.id)}\n`);
    });

  purgeCommand(instance, 'trigger instances (decided by the rules engine)', '/triggerinstances/purge', 'trigger instances');

  const webhook = group(program, 'webhook', 'webhooks (core.st2.webhook triggers)');
  webhook.command('list')
    .description('the webhook urls rules listen on (POST /api/v1/webhooks/<url>)')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const list = await makeClient().get<Array<Json & { parameters: Json }>>('/webhooks');
      if (o.json) return printJson(list);
      printTable(list.map((t) => ({ url: t.parameters.url, signed: 'secret' in t.parameters, trigger: t.ref })), ['url', 'signed', 'trigger']);
    });
}
