#!/usr/bin/env node
// The `squall` command. Each command group lives in commands/<group>.ts and registers itself here.
import { Command, CommanderError } from 'commander';
import { reportError } from './output.js';
import { VERSION } from '../version.js';
import { registerExecutionCommands } from './commands/execution.js';
import { registerServerCommands } from './commands/server.js';
import { registerPackCommands } from './commands/pack.js';
import { registerWorkflowCommands } from './commands/workflow.js';
import { registerExprCommands } from './commands/expr.js';

import { registerKeyCommands } from './commands/key.js';
import { registerUserCommands } from './commands/user.js';
import { registerApiKeyCommands } from './commands/apikey.js';
import { registerLoginCommands } from './commands/login.js';
import { registerRoleCommands } from './commands/role.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerTriggerCommands } from './commands/trigger.js';
import { registerRuleCommands } from './commands/rule.js';
import { registerSensorCommands } from './commands/sensor.js';
import { registerInquiryCommands } from './commands/inquiry.js';
const program = new Command('squall')
  .description('Squall: event-driven automation for ops (StackStorm-compatible)')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

const groups: Array<(p: Command) => void> = [registerServerCommands, registerPackCommands, registerExecutionCommands, registerWorkflowCommands, registerExprCommands,
  registerKeyCommands, registerUserCommands, registerApiKeyCommands, registerLoginCommands, registerRoleCommands, registerAuditCommands,
  registerTriggerCommands, registerRuleCommands, registerSensorCommands, registerInquiryCommands];
for (const register of groups) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.exit(reportError(err));
}
