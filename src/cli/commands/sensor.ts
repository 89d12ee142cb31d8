// squall sensor list|get|enable|disable
import type { Command } from 'commander';
import { makeClient } from '../client.js';
import { printJson, printRecord, printTable } from '../output.js';
import { group } from './pack.js';

type Json = Record<string, unknown>;

export function registerSensorCommands(program: Command): void {
  const sensor = group(program, 'sensor', 'sensors and message-bus sources: state, restarts, last error');
  sensor.command('list')
    .description('sensors with where and how they run (state, node, pid, restarts, last error)')
    .option('-p, --pack <name>', 'only sensors of this pack')
    .option('--json', 'JSON output')
    .action(async (o: { pack?: string; json?: boolean }) => {
      const list = await makeClient().get<Json[]>(`/sensortypes${o.pack ? `?pack=${encodeURIComponent(o.pack)}` : ''}`);
      if (o.json) return printJson(list);
      printTable(list.map((s) => ({ ...s, last_error: typeof s.last_error === 'string' ? s.last_error.split('\n')[0]!.slice(0, 80) : s.last_error })),
        ['ref', 'type', 'enabled', 'state', 'node', 'restarts', 'last_error']);
    });
  sensor.command('get <ref>')
    .description('one sensor, with its full last error')
    .option('--json', 'JSON output')
    .action(async (ref: string, o: { json?: boolean }) => {
      const s = await makeClient().get<Json>(`/sensortypes/${encodeURIComponent(ref)}`);
      return o.json ? printJson(s) : printRecord(s);
    });
  for (const verb of ['enable', 'disable'] as const) {
    sensor.command(`${verb} <ref>`)
      .description(`${verb} a sensor (the node running sensors picks it up within seconds)`)
      .option('--json', 'JSON output')
      .action(async (ref: string, o: { json?: boolean }) => {
        const s = await makeClient().post<Json>(`/sensortypes/${encodeURIComponent(ref)}/${verb}`);
        return o.json ? printJson(s) : printRecord(s);
      });
  }
}
