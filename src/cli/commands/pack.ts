// squall pack register|list|get|remove, squall action list|get, squall runner list
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { makeClient } from '../client.js';
import { printJson, printOutcome, printRecord, printTable } from '../output.js';

type Json = Record<string, unknown>;

/** The named subcommand group, created on first use (several modules add verbs to `action`). */
export function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

const show = (json: boolean | undefined, value: Json) => (json ? printJson(value) : printRecord(value));

export function registerPackCommands(program: Command): void {
  const pack = group(program, 'pack', 'packs of actions, rules, workflows');
  pack.command('register <dir>')
    .description('register (or re-register) the pack in a directory on the server machine')
    .option('--json', 'JSON output')
    .action(async (dir: string, o: { json?: boolean }) => {
      const r = await makeClient().post<{ pack: Json; actions: Json[]; policies: Json[] }>('/packs/register', { path: resolve(dir) });
      if (o.json) return printJson(r);
      process.stdout.write(`registered pack ${String(r.pack.name)} ${String(r.pack.version)}: ${r.actions.length} actions, ${r.policies.length} policies\n`);
    });
  registerPackInstall(pack);
  pack.command('list')
    .description('registered packs')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const list = await makeClient().get<Json[]>('/packs');
      if (o.json) return printJson(list);
      printTable(list, ['name', 'version', 'description']);
    });
  pack.command('get <name>')
    .description('one pack')
    .option('--json', 'JSON output')
    .action(async (name: string, o: { json?: boolean }) => show(o.json, await makeClient().get<Json>(`/packs/${name}`)));
  pack.command('remove <name>')
    .alias('uninstall')
    .description('unregister a pack with its actions and policies')
    .option('--json', 'JSON output')
    .action(async (name: string, o: { json?: boolean }) => {
      await makeClient().delete(`/packs/${name}`);
      printOutcome(o.json, { pack: name, removed: true }, `removed pack ${name}`);
    });

  const action = group(program, 'action', 'actions');
  action.command('list')
    .description('registered actions')
    .option('-p, --pack <name>', 'only this pack')
    .option('--json', 'JSON output')
    .action(async (o: { pack?: string; json?: boolean }) => {
      const list = await makeClient().get<Json[]>(`/actions?limit=1000${o.pack ? `&pack=${encodeURIComponent(o.pack)}` : ''}`);
      if (o.json) return printJson(list);
      printTable(list, ['ref', 'runner_type', 'description']);
    });
  action.command('get <ref>')
    .description('one action with its parameters')
    .option('--json', 'JSON output')
    .action(async (ref: string, o: { json?: boolean }) => {
      const a = await makeClient().get<Json>(`/actions/${ref}`);
      if (o.json) return printJson(a);
      printRecord({ ref: a.ref, runner_type: a.runner_type, entry_point: a.entry_point, enabled: a.enabled, description: a.description });
      const params = Object.entries(a.parameters as Record<string, Json>).map(([name, p]) => ({ name, ...p }));
      if (params.length) printTable(params, ['name', 'type', 'required', 'default', 'description']);
    });

  group(program, 'runner', 'runner types').command('list')
    .description('runner types this server has')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const list = await makeClient().get<Json[]>('/runners');
      if (o.json) return printJson(list);
      printTable(list, ['name', 'description']);
    });
}

/** squall pack install NAME: the pack's requirements.txt into its virtualenv on the server. */
function registerPackInstall(pack: Command): void {
  pack.command('install <name>')
    .description("install a registered pack's Python requirements into its own virtualenv on the server")
    .option('--json', 'JSON output')
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await makeClient().post<{ virtualenv: string; requirements: string[] }>(`/packs/${name}/install`, {});
      if (o.json) return printJson(r);
      process.stdout.write(`pack ${name}: virtualenv ${r.virtualenv}, ${r.requirements.length} requirements installed\n`);
    });
}
