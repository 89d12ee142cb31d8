// squall server / status / purge
import type { Command } from 'commander';
import type { Status } from '../../api/routes/system.js';
import { makeClient } from '../client.js';
import { printJson, printOutcome, printRecord, printTable } from '../output.js';

interface ServerFlags {
  db?: string;
  host?: string;
  port?: string;
  roles?: string;
  concurrency?: string;
  bodyLimitMb?: string;
  pack?: string[];
  logLevel?: string;
}

export function registerServerCommands(program: Command): void {
  program.command('server')
    .description('run a Squall node (all roles on the embedded store by default)')
    .option('--db <url>', 'postgres://… or an SQLite file (default $SQUALL_HOME/squall.db)')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default 9101)')
    .option('--roles <list>', 'comma list of api,scheduler,workflow,rules,sensors,timers (runner: another name for scheduler)')
    .option('--concurrency <n>', 'executions run at once on this node')
    .option('--body-limit-mb <mb>', 'largest request body the API accepts, in MiB (default 10)')
    .option('--pack <dir...>', 'also register these pack directories at start')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .action(async (f: ServerFlags) => {
      // Loaded here so that every other command starts without the server's modules.
      const { loadConfig } = await import('../../config/index.js');
      const { startServer } = await import('../../server.js');
      const config = loadConfig({
        db: f.db,
        host: f.host,
        port: f.port === undefined ? undefined : Number(f.port),
        roles: f.roles?.split(','),
        concurrency: f.concurrency === undefined ? undefined : Number(f.concurrency),
        bodyLimitMb: f.bodyLimitMb === undefined ? undefined : Number(f.bodyLimitMb),
        packs: f.pack,
        logLevel: f.logLevel,
      });
      const server = await startServer(config);
      const stop = () => {
        server.close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program.command('status')
    .description('is the server up: version, store, roles, queue depths')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const s = await makeClient().get<Status>('/status');
      printOutcome(o.json, s, () => {
        const { queues, ...rest } = s;
        printRecord({ ...rest, roles: rest.roles.join(',') });
        process.stdout.write('\n');
        printTable(Object.entries(queues).map(([queue, n]) => ({ queue, ...n })), ['queue', 'ready', 'delayed', 'leased']);
      });
    });

  purgeCommand(program, 'ended executions (and their output)', '/executions/purge', 'executions');
}

/** `<parent> purge --older-than AGE`: deletes `what` older than an age now, through `path` (POST {older_than}). */
export function purgeCommand(parent: Command, what: string, path: string, noun = what): void {
  parent.command('purge')
    .description(`delete ${what} older than an age, now`)
    .requiredOption('--older-than <age>', 'age such as 30d, 12h, 90m')
    .option('--json', 'JSON output')
    .action(async (o: { olderThan: string; json?: boolean }) => {
      const r = await makeClient().post<{ deleted: number }>(path, { older_than: o.olderThan });
      if (o.json) printJson(r);
      else process.stdout.write(`deleted ${r.deleted} ${noun}\n`);
    });
}
