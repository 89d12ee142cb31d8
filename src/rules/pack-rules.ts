// A pack's rules/ (and triggers/) registered with the pack: every file checked first, every
// problem reported as file:line, then all stored in one transaction. Rules that came from
// this pack's files and are gone from them are removed; API-created rules are left alone.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SquallError } from '../errors.js';
import { loadPackTriggerTypes, packYamlFiles } from '../events/pack-triggers.js';
import type { LineOf, Problem } from '../packs/problems.js';
import { throwProblems } from '../packs/problems.js';
import * as eventRows from '../store/events.js';
import * as rows from '../store/rules.js';
import { checkRule, saveRule, type RuleAdminDeps } from './service.js';
import { parseRuleYaml } from './definition.js';
import type { Rule, RuleSpec } from './model.js';
import type { Tx } from '../store/types.js';
import type { PackContent } from '../packs/index.js';

function asProblems(err: unknown, file: string): Problem[] {
  if (!(err instanceof SquallError)) throw err;
  const listed = (err.details as { problems?: Problem[] } | undefined)?.problems;
  if (listed?.length) return listed.map((p) => ({ ...p, file: p.file ?? file }));
  return [{ file, line: err.where.line, field: err.where.field, message: err.message.replace(/^.*?\.ya?ml:\d+: /, '') }];
}

interface LoadedRules {
  types: Awaited<ReturnType<typeof loadPackTriggerTypes>>['types'];
  parsed: Array<{ file: string; spec: RuleSpec; lineOf: LineOf }>;
}

/** Reads and checks the trigger types and rule files of pack `pack` in `dir`; throws PACK_INVALID. */
async function loadPackRules(deps: RuleAdminDeps, dir: string, pack: string): Promise<LoadedRules> {
  const { types, problems } = await loadPackTriggerTypes(dir, pack, deps.now());
  const parsed: LoadedRules['parsed'] = [];
  for (const file of await packYamlFiles(dir, 'rules')) {
    try {
      const { spec, lineOf } = parseRuleYaml(file, await readFile(join(dir, file), 'utf8'), pack);
      if (spec.pack !== pack) problems.push({ file, line: lineOf(['pack']), field: 'pack', message: `must be ${pack}, the pack it is in (got ${spec.pack})` });
      else parsed.push({ file, spec, lineOf });
    } catch (err) {
      problems.push(...asProblems(err, file));
    }
  }
  if (problems.length) throwProblems(problems);
  return { types, parsed };
}

/** Stores what loadPackRules read, replacing the pack's previous file rules, in the caller's transaction. */
async function storePackRules(tx: Tx, deps: RuleAdminDeps, loaded: LoadedRules, pack: string): Promise<Rule[]> {
  for (const t of loaded.types) await eventRows.upsertTriggerType(tx, t);
  const saved: Rule[] = [];
  const failed: Problem[] = [];
  for (const p of loaded.parsed) {
    try {
      await checkRule(tx, deps, p.spec, { file: p.file, lineOf: p.lineOf }, pack);
      saved.push(await saveRule(tx, deps, p.spec, { file: p.file, lineOf: p.lineOf, sourceFile: p.file, replace: true }));
    } catch (err) {
      failed.push(...asProblems(err, p.file));
    }
  }
  if (failed.length) throwProblems(failed);
  const kept = new Set(saved.map((r) => r.ref));
  for (const old of await rows.listRules(tx, { pack })) {
    if (old.source_file !== null && !kept.has(old.ref)) await deleteRuleRow(tx, old);
  }
  return saved;
}

async function deleteRuleRow(tx: Tx, rule: Rule): Promise<void> {
  await rows.deleteRule(tx, rule.ref);
  await eventRows.deleteTriggerIfUnused(tx, rule.trigger_ref);
}

/** Registers the trigger types and rules of pack `pack` found in `dir` on their own; throws PACK_INVALID. */
export async function registerPackRules(deps: RuleAdminDeps, dir: string, pack: string): Promise<Rule[]> {
  const loaded = await loadPackRules(deps, dir, pack);
  return deps.store.tx((tx) => storePackRules(tx, deps, loaded, pack));
}

/**
 * The pack content that registers rules/ and triggers/ inside the pack's own registration
 * transaction (a bad rule registers nothing of the pack), and deletes the pack's rules with it.
 */
export function packRulesContent(deps: RuleAdminDeps): PackContent {
  return {
    async register(tx, dir, pack) {
      await storePackRules(tx, deps, await loadPackRules(deps, dir, pack), pack);
    },
    async remove(tx, pack) {
      for (const rule of await rows.listRules(tx, { pack })) await deleteRuleRow(tx, rule);
    },
  };
}
