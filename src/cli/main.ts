#!/usr/bin/env node
// The `squall` command. Each command group lives in commands/<group>.ts and registers itself here.
import { Command, CommanderError } from 'commander';
import { reportError } from './output.js';
import { VERSION } from '../version.js';

const program = new Command('squall')
  .description('Squall: event-driven automation for ops (StackStorm-compatible)')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

// Command groups load on demand: `squall run …` imports only the execution commands (and not
// the expression engines, the rules parser, YAML…), which keeps a CLI round trip short. Any
// other first word (help, an option, a group missing here) loads them all.
interface Group {
  names: string[];
  load(): Promise<(p: Command) => void>;
}
const GROUPS: Group[] = [
  { names: ['server', 'status', 'purge'], load: async () => (await import('./commands/server.js')).registerServerCommands },
  { names: ['pack', 'action', 'runner'], load: async () => (await import('./commands/pack.js')).registerPackCommands },
  { names: ['run', 'action', 'execution', 'executions'], load: async () => (await import('./commands/execution.js')).registerExecutionCommands },
  { names: ['workflow'], load: async () => (await import('./commands/workflow.js')).registerWorkflowCommands },
  { names: ['expr'], load: async () => (await import('./commands/expr.js')).registerExprCommands },
  { names: ['key'], load: async () => (await import('./commands/key.js')).registerKeyCommands },
  { names: ['user'], load: async () => (await import('./commands/user.js')).registerUserCommands },
  { names: ['apikey'], load: async () => (await import('./commands/apikey.js')).registerApiKeyCommands },
  { names: ['login', 'logout', 'whoami'], load: async () => (await import('./commands/login.js')).registerLoginCommands },
  { names: ['role'], load: async () => (await import('./commands/role.js')).registerRoleCommands },
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAuditCommands },
  { names: ['trigger', 'trigger-instance', 'webhook'], load: async () => (await import('./commands/trigger.js')).registerTriggerCommands },
  { names: ['rule', 'rule-enforcement'], load: async () => (await import('./commands/rule.js')).registerRuleCommands },
  { names: ['sensor'], load: async () => (await import('./commands/sensor.js')).registerSensorCommands },
  { names: ['inquiry'], load: async () => (await import('./commands/inquiry.js')).registerInquiryCommands },
];
const first = process.argv.slice(2).find((a) => !a.startsWith('-'));
const wanted = GROUPS.filter((g) => first !== undefined && g.names.includes(first));
for (const g of wanted.length ? wanted : GROUPS) (await g.load())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.exit(reportError(err));
}
