// The rules module's public surface: rule definitions, the matcher, the engine role, tests and replays.
export type { Rule, RuleSpec, RuleEnforcement, EnforcementStatus, RuleProblem } from './model.js';
export { checkRuleSpec, compileRule, parseRuleYaml, ruleInvalid, DEFAULT_PACK, type CompiledRule } from './definition.js';
export { buildIndex, matchPayload, rulesFor, type RuleIndex } from './matcher.js';
export { processTriggerInstance, type RulesDeps } from './engine.js';
export { startRulesEngine, type RulesEngineOptions } from './role.js';
export {
  checkRule, createRule, updateRule, deleteRule, setRuleEnabled, getRule, listRules, getEnforcement, listEnforcements,
  type RuleAdminDeps,
} from './service.js';
export { testRule, replayRule, ruleForTest, type RuleTestResult, type ReplayResult } from './tester.js';
export { registerPackRules, packRulesContent } from './pack-rules.js';
export { OPERATOR_NAMES } from './operators.js';
export { purgeTriggerInstances, purgeRuleEnforcements, startEventRetention } from './retention.js';
