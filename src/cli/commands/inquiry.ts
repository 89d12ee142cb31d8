// squall inquiry list|get|respond (st2 inquiry …): questions core.ask is waiting on.
import type { Command } from 'commander';
import { SquallError } from '../../errors.js';
import { makeClient } from '../client.js';
import { printJson, printRecord, printTable } from '../output.js';
import { group } from './pack.js';

type Json = Record<string, unknown>;

function parseResponse(text: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SquallError('BAD_REQUEST', `--response is not JSON: ${(err as Error).message}`, { field: 'response' }, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SquallError('BAD_REQUEST', '--response must be a JSON object, e.g. \'{"continue": true}\'', { field: 'response' });
  }
  return value as Json;
}

export function registerInquiryCommands(program: Command): void {
  const inquiry = group(program, 'inquiry', 'inquiries: workflows waiting for someone to answer (core.ask)');
  inquiry.command('list')
    .description('pending inquiries, newest first')
    .option('-n, --limit <n>', 'at most this many', '50')
    .option('--json', 'JSON output')
    .action(async (o: { limit: string; json?: boolean }) => {
      const list = await makeClient().get<Json[]>(`/inquiries?limit=${encodeURIComponent(o.limit)}`);
      if (o.json) return printJson(list);
      printTable(list, ['id', 'parent', 'route', 'users', 'roles', 'ttl', 'expires_at']);
    });
  inquiry.command('get <id>')
    .description('one inquiry, with the schema its response must match')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean }) => {
      const i = await makeClient().get<Json>(`/inquiries/${encodeURIComponent(id)}`);
      return o.json ? printJson(i) : printRecord(i);
    });
  inquiry.command('respond <id>')
    .description('answer an inquiry; the waiting workflow resumes')
    .requiredOption('-r, --response <json>', 'the answer as a JSON object, e.g. \'{"continue": true}\'')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { response: string; json?: boolean }) => {
      const answer = await makeClient().put<Json>(`/inquiries/${encodeURIComponent(id)}`, { id, response: parseResponse(o.response) });
      if (o.json) return printJson(answer);
      process.stdout.write(`Response accepted for inquiry ${id}.\n`);
    });
}
