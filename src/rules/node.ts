// How a node wires events and rules together: built-in trigger types, the action-trigger
// and datastore hooks, st2kv for rule templates, pack rules, and the rules role.
import type { Logger } from 'pino';
import type { DatastoreDeps } from '../datastore/service.js';
import type { KvReader } from '../datastore/template.js';
import { actionTriggerHook, kvTriggerHook, registerBuiltinTriggerTypes, type EventDeps } from '../events/index.js';
import type { ExecutionDeps } from '../executions/deps.js';
import type { Consumer } from '../store/consumer.js';
import type { Store } from '../store/types.js';
import { currentIndex, type RulesDeps } from './engine.js';
import { rulesFor } from './matcher.js';
import type { Rule } from './model.js';
import { packRulesContent } from './pack-rules.js';
import type { PackContent } from '../packs/index.js';
import { startRulesEngine, type RulesEngineOptions } from './role.js';
import type { RuleAdminDeps } from './service.js';

export interface EventsAndRulesSetup {
  store: Store;
  now: () => number;
  log: Logger;
  events: EventDeps;
  executions: ExecutionDeps;
  datastore?: DatastoreDeps;
  /** st2kv for rule templates (the node's datastore reader; decrypting as the rule's owner may). */
  kv?: KvReader;
  /** Whether a rule owned by `user` may run the action (RBAC action:execute); see RulesDeps.mayExecute. */
  mayExecute?: (user: string | null, actionRef: string) => Promise<boolean>;
}

export interface EventsAndRules {
  events: EventDeps;
  rules: RulesDeps;
  admin: RuleAdminDeps;
  /** Registers a pack's trigger types and rules inside the pack's registration transaction. */
  packContent: PackContent;
  /** Starts the `rules` role on this node. */
  startEngine(opts: RulesEngineOptions): Consumer;
}

/** Registers the built-in trigger types and hooks the action-trigger and key-value triggers in. */
export async function setupEventsAndRules(s: EventsAndRulesSetup): Promise<EventsAndRules> {
  await s.store.tx((tx) => registerBuiltinTriggerTypes(tx, s.now()));
  s.executions.onFinished.push(actionTriggerHook(s.events, s.executions));
  const datastore = s.datastore;
  if (datastore) datastore.onChange.push(kvTriggerHook(s.events));
  const rules: RulesDeps = {
    store: s.store, now: s.now, log: s.log, events: s.events, executions: s.executions, cache: { index: null }, mayExecute: s.mayExecute,
    kv: s.kv,
  };
  s.events.hasRules = async (tx, triggerRef) => rulesFor(await currentIndex(tx, rules), triggerRef).all.length > 0;
  const admin: RuleAdminDeps = { store: s.store, now: s.now, events: s.events, executions: s.executions };
  return {
    events: s.events, rules, admin,
    packContent: packRulesContent(admin),
    startEngine: (opts) => startRulesEngine(rules, opts),
  };
}
