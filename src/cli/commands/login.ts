// squall login|logout|whoami: tokens saved to $SQUALL_HOME/token (mode 0600) for later commands.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { SquallError } from '../../errors.js';
import { ApiClient, clientOptions, makeClient, tokenFile } from '../client.js';
import { printJson, printOutcome, printRecord } from '../output.js';

/** The password from the flag, $SQUALL_PASSWORD, or the first line of stdin. */
export async function readPassword(flag: string | undefined): Promise<string> {
  if (flag) return flag;
  if (process.env.SQUALL_PASSWORD) return process.env.SQUALL_PASSWORD;
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if (Buffer.concat(chunks).includes(10)) break;
  }
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!line) throw new SquallError('BAD_REQUEST', 'no password given (use --password, $SQUALL_PASSWORD or stdin)', { field: 'password' });
  return line;
}

export function registerLoginCommands(program: Command): void {
  program.command('login <username>')
    .description('log in with a password; later commands use the token until it expires')
    .option('-p, --password <password>', 'the password (else $SQUALL_PASSWORD or stdin)')
    .option('-l, --ttl <seconds>', 'token lifetime in seconds (default 24 h)')
    .option('--print-token', 'print the token instead of saving it')
    .option('--json', 'JSON output ({user, expiry}, and the token with --print-token)')
    .action(async (username: string, o: { password?: string; ttl?: string; printToken?: boolean; json?: boolean }) => {
      const client = new ApiClient(clientOptions());
      const password = await readPassword(o.password);
      const basic = { authorization: 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64') };
      const body = await client.request<{ token: string; expiry: string; user: string }>('POST', '/auth/tokens', o.ttl ? { ttl: Number(o.ttl) } : {}, basic);
      if (o.printToken) return printOutcome(o.json, body, body.token);
      const file = tokenFile();
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ user: body.user, token: body.token, expiry: body.expiry, url: client.opts.url }, null, 2) + '\n', { mode: 0o600 });
      chmodSync(file, 0o600);
      printOutcome(o.json, { user: body.user, expiry: body.expiry, token_file: file }, `logged in as ${body.user} until ${body.expiry}`);
    });

  program.command('logout')
    .description('revoke the saved token and forget it')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const file = tokenFile();
      if (!existsSync(file)) return printOutcome(o.json, { user: null, logged_out: false }, 'not logged in');
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { token: string; user?: string };
      await makeClient().request('DELETE', '/auth/tokens', { token: saved.token }).catch((err: unknown) => {
        // An expired or already revoked token is as good as revoked.
        if (!(err instanceof SquallError && (err.code === 'UNAUTHORIZED' || err.code === 'NOT_FOUND'))) throw err;
      });
      rmSync(file);
      printOutcome(o.json, { user: saved.user ?? null, logged_out: true }, 'logged out');
    });

  program.command('whoami')
    .description('the user the CLI acts as, and their roles')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const me = await makeClient().get<Record<string, unknown>>('/auth/me');
      if (o.json) printJson(me);
      else printRecord(me);
    });
}
