// squall key set|get|list|delete|load|export|rotate: the datastore through /api/v1/keys.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { SquallError } from '../../errors.js';
import { makeClient } from '../client.js';
import { printJson, printOutcome, printRecord, printTable } from '../output.js';

interface ApiKey {
  name: string;
  scope: string;
  user: string | null;
  value: unknown;
  secret: boolean;
  encrypted: boolean;
  expire_timestamp: string | null;
  [k: string]: unknown;
}

interface ScopeOpts {
  scope?: string;
  user?: string;
}

function where(o: ScopeOpts & { decrypt?: boolean }): URLSearchParams {
  const q = new URLSearchParams();
  if (o.scope) q.set('scope', o.scope);
  if (o.user) q.set('user', o.user);
  if (o.decrypt) q.set('decrypt', 'true');
  return q;
}

function parseJsonValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SquallError('USAGE_INVALID', `--json-value: VALUE is not valid JSON: ${(err as Error).message}`, { field: 'value' }, { cause: err });
  }
}

const path = (name: string, q: URLSearchParams) => `/keys/${encodeURIComponent(name)}${q.size ? `?${q}` : ''}`;

/** One entry of a `key load` file: st2's format ({name, value, scope, user, secret, ttl}) or our export. */
interface LoadEntry {
  name: string;
  value: unknown;
  scope?: string;
  user?: string;
  secret?: boolean;
  encrypted?: boolean;
  ttl?: number;
}

export function parseLoadFile(text: string, file: string): LoadEntry[] {
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SquallError('BAD_REQUEST', `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`, { file }, { cause: err });
  }
  // A plain mapping name → value is accepted too (st2 accepts the same shorthand).
  const list = Array.isArray(data) ? data : data && typeof data === 'object' ? Object.entries(data).map(([name, value]) => ({ name, value })) : null;
  if (!list) throw new SquallError('BAD_REQUEST', `${file}: expected a list of {name, value, …} or a mapping of name: value`, { file });
  return list.map((e: unknown, i: number) => {
    const o = e as Partial<LoadEntry>;
    if (!o || typeof o.name !== 'string' || o.value === undefined) throw new SquallError('BAD_REQUEST', `${file}: entry ${i + 1} needs a name and a value`, { file, field: `[${i}]` });
    return o as LoadEntry;
  });
}

export function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('the key-value datastore (st2kv)');
  const scoped = (c: Command) => c
    .option('-s, --scope <scope>', 'system (default) or user')
    .option('-u, --user <user>', 'the user-scope owner (admins only for someone else)');

  scoped(key.command('set <name> <value>').description('create or replace a key'))
    .option('-e, --encrypt', 'store the value encrypted (a secret)')
    .option('-l, --ttl <seconds>', 'delete the key after this many seconds')
    .option('--json-value', 'parse VALUE as JSON (stored and returned as JSON)')
    .option('--json', 'print the key as JSON')
    .action(async (name: string, value: string, o: ScopeOpts & { encrypt?: boolean; ttl?: string; jsonValue?: boolean; json?: boolean }) => {
      const parsed = o.jsonValue ? parseJsonValue(value) : value;
      const k = await makeClient().put<ApiKey>(path(name, new URLSearchParams()), {
        value: parsed, scope: o.scope, user: o.user, secret: o.encrypt ?? false, ...(o.ttl ? { ttl: Number(o.ttl) } : {}),
      });
      if (o.json) printJson(k);
      else printRecord({ name: k.name, scope: k.scope, secret: k.secret, expire_timestamp: k.expire_timestamp });
    });

  scoped(key.command('get <name>').description('one key'))
    .option('-d, --decrypt', 'show a secret in clear (needs permission)')
    .option('--json', 'JSON output')
    .action(async (name: string, o: ScopeOpts & { decrypt?: boolean; json?: boolean }) => {
      const k = await makeClient().get<ApiKey>(path(name, where(o)));
      if (o.json) printJson(k);
      else printRecord({ name: k.name, scope: k.scope, user: k.user, value: k.value, secret: k.secret, encrypted: k.encrypted, expire_timestamp: k.expire_timestamp });
    });

  scoped(key.command('list').description('keys, by name'))
    .option('-p, --prefix <prefix>', 'only names starting with this')
    .option('-d, --decrypt', 'show secrets in clear (needs permission)')
    .option('-n, --limit <n>', 'how many', '1000')
    .option('--json', 'JSON output')
    .action(async (o: ScopeOpts & { prefix?: string; decrypt?: boolean; limit: string; json?: boolean }) => {
      const q = where(o);
      if (o.prefix) q.set('prefix', o.prefix);
      q.set('limit', o.limit);
      const list = await makeClient().get<ApiKey[]>(`/keys?${q}`);
      if (o.json) return printJson(list);
      printTable(list.map((k) => ({ ...k, value: k.encrypted ? '(encrypted)' : k.value })), ['name', 'scope', 'user', 'secret', 'expire_timestamp', 'value']);
    });

  scoped(key.command('delete <name>').description('delete a key'))
    .option('--json', 'JSON output')
    .action(async (name: string, o: ScopeOpts & { json?: boolean }) => {
      await makeClient().delete(path(name, where(o)));
      printOutcome(o.json, { name, scope: o.scope ?? 'system', ...(o.user ? { user: o.user } : {}), deleted: true }, `deleted key ${name}`);
    });

  key.command('load <file>')
    .description('create or replace the keys in a JSON or YAML file (a list of {name, value, scope, user, secret, ttl}, or our export): all of them, or none')
    .action(async (file: string) => {
      const entries = parseLoadFile(readFileSync(file, 'utf8'), file);
      // One request: the server checks every entry, then writes all of them in one transaction or none.
      await makeClient().put('/keys', entries.map((e) => ({
        name: e.name, value: e.value, scope: e.scope, user: e.user ?? undefined, secret: e.secret ?? false, ...(e.encrypted ? { encrypted: true } : {}), ...(e.ttl ? { ttl: e.ttl } : {}),
      })));
      process.stdout.write(`loaded ${entries.length} key(s) from ${file}\n`);
    });

  scoped(key.command('export').description('print keys as JSON for `squall key load` (secrets stay encrypted unless --decrypt)'))
    .option('-p, --prefix <prefix>', 'only names starting with this')
    .option('-d, --decrypt', 'export secrets in clear (needs permission)')
    .option('--json', 'JSON output (the export is JSON either way)')
    .action(async (o: ScopeOpts & { prefix?: string; decrypt?: boolean }) => {
      const q = where(o);
      if (o.prefix) q.set('prefix', o.prefix);
      q.set('limit', '10000');
      const list = await makeClient().get<ApiKey[]>(`/keys?${q}`);
      printJson(list.map((k) => ({
        name: k.name, value: k.value, scope: k.scope, ...(k.user ? { user: k.user } : {}), secret: k.secret, ...(k.encrypted ? { encrypted: true } : {}),
      })));
    });

  key.command('rotate')
    .description('re-encrypt every secret under a new datastore key (administrators)')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const r = await makeClient().post<{ reencrypted: number; key_id: string }>('/keys/rotate', {});
      if (o.json) printJson(r);
      else process.stdout.write(`re-encrypted ${r.reencrypted} secret(s) under key ${r.key_id}\n`);
    });
}
