// The CLI's command groups, each in commands/<group>.ts, with the first words that need it.
// Groups load on demand: `squall run …` imports only the execution commands (and not
// the expression engines, the rules parser, YAML…), which keeps a CLI round trip short. Any
// other first word (help, an option, a group missing here) loads them all.
import type { Command } from 'commander';

export interface Group {
  names: string[];
  load(): Promise<(p: Command) => void>;
}
export const GROUPS: Group[] = [
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
