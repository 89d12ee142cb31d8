#!/usr/bin/env node
// The `squall` command: registers the command groups it needs (groups.ts), runs one, and
// turns an error into output in one place.
import { Command, CommanderError } from 'commander';
import { SquallError } from '../errors.js';
import { GROUPS } from './groups.js';
import { reportError, wantsJson } from './output.js';
import { VERSION } from '../version.js';

// With --json every outcome is one JSON document on stdout, a usage error included: commander
// then prints nothing itself (subcommands inherit these settings when they are created).
const json = wantsJson(process.argv.slice(2));
const program = new Command('squall')
  .description('Squall: event-driven automation for ops (StackStorm-compatible)')
  .version(VERSION)
  .showHelpAfterError(!json)
  .configureOutput(json ? { outputError: () => undefined } : {})
  .exitOverride();

const first = process.argv.slice(2).find((a) => !a.startsWith('-'));
const wanted = GROUPS.filter((g) => first !== undefined && g.names.includes(first));
for (const g of wanted.length ? wanted : GROUPS) (await g.load())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) process.exit(reportError(err, json));
  // --help and --version end here too, with exit code 0.
  if (err.exitCode === 0 || !json) process.exit(err.exitCode);
  reportError(new SquallError('USAGE_INVALID', err.message.replace(/^error: /, '')), json);
  process.exit(err.exitCode);
}
