// squall rule list|get|create|update|delete|enable|disable|test|replay, squall rule-enforcement list|get|purge
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SquallError } from '../../errors.js';
import type { LineOf } from '../../packs/problems.js';
import { parseRuleYaml, ruleInvalid, type RuleSpec } from '../../rules/index.js';
import { makeClient } from '../client.js';
import { printJson, printOutcome, printRecord, printTable } from '../output.js';
import { group } from './pack.js';
import { purgeCommand } from './server.js';

type Json = Record<string, unknown>;

/** Reads and checks a rule file here, so its problems come out as file:line before the server is asked. */
function readRule(file: string): { spec: RuleSpec; lineOf: LineOf } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SquallError('RULE_INVALID', `cannot read ${file}: ${(err as Error).message}`, { file });
  }
  return parseRuleYaml(file, text);
}

/** The server's RULE_INVALID (unknown trigger type or action) placed at the file's line. */
async function withLines<T>(file: string, lineOf: LineOf, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const problems = err instanceof SquallError && err.code === 'RULE_INVALID' ? (err.details as { problems?: Array<{ field?: string; message: string }> } | undefined)?.problems : undefined;
    if (!problems?.length) throw err;
    // Server-side problems name trigger.* / action.* fields, whose parts contain no dots.
    throw ruleInvalid(problems.map((p) => ({ path: p.field ? p.field.split('.') : [], message: p.message })), file, lineOf);
  }
}

const ruleColumns = ['ref', 'enabled', 'trigger_type', 'action', 'description'];
const row = (r: Json & { trigger: Json; action: Json }) => ({ ...r, trigger_type: r.trigger.type, action: r.action.ref });

function printTest(r: Json & { criteria: Json[] }): void {
  const lines: string[] = [];
  const walk = (items: Json[], depth: number) => {
    for (const t of items) {
      const mark = t.passed ? 'pass' : 'FAIL';
      const pad = '  '.repeat(depth);
      if (t.key) {
        lines.push(`${pad}${mark}  ${String(t.key)} ${String(t.type)} ${JSON.stringify(t.pattern)}  (value: ${JSON.stringify(t.value)}${t.error ? `; ${String(t.error)}` : ''})`);
      } else lines.push(`${pad}${mark}  ${String(t.group)}:`);
      if (Array.isArray(t.items)) walk(t.items as Json[], depth + 1);
    }
  };
  walk(r.criteria, 1);
  process.stdout.write(`rule ${String(r.rule)} on ${String(r.trigger_type)}: ${r.matched ? 'criteria pass' : 'criteria fail'}\n`);
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  if (r.window) process.stdout.write(`  window: ${String((r.window as Json).reason)}\n`);
  if (r.parameters) process.stdout.write(`would run ${String(r.action)} with ${JSON.stringify(r.parameters)}\n`);
  if (r.parameters_error) process.stdout.write(`parameters cannot be rendered: ${String(r.parameters_error)}\n`);
  if (!r.would_fire) process.stdout.write('would not fire\n');
}

function registerRuleCrud(rule: Command): void {
  rule.command('list')
    .description('rules')
    .option('-p, --pack <name>', 'only this pack')
    .option('--trigger-type <ref>', 'only rules on this trigger type')
    .option('--json', 'JSON output')
    .action(async (o: { pack?: string; triggerType?: string; json?: boolean }) => {
      const q = new URLSearchParams();
      if (o.pack) q.set('pack', o.pack);
      if (o.triggerType) q.set('trigger_type', o.triggerType);
      const list = await makeClient().get<Array<Json & { trigger: Json; action: Json }>>(`/rules${q.size ? `?${q}` : ''}`);
      if (o.json) return printJson(list);
      printTable(list.map(row), ruleColumns);
    });
  rule.command('get <ref>')
    .description('one rule')
    .option('--json', 'JSON output')
    .action(async (ref: string, o: { json?: boolean }) => {
      const r = await makeClient().get<Json>(`/rules/${ref}`);
      return o.json ? printJson(r) : printRecord(r);
    });
  rule.command('create <file>')
    .description('create a rule from an st2 rule YAML (or JSON) file; without pack: it goes to pack default')
    .option('--json', 'JSON output')
    .action(async (file: string, o: { json?: boolean }) => {
      const { spec, lineOf } = readRule(file);
      const r = await withLines(file, lineOf, () => makeClient().post<Json>('/rules', spec));
      if (o.json) return printJson(r);
      process.stdout.write(`created rule ${String(r.ref)}\n`);
    });
  rule.command('update <ref-or-file> [file]')
    .description('replace a rule with the one in FILE (REF may be left out: the file names it)')
    .option('--json', 'JSON output')
    .action(async (refOrFile: string, maybeFile: string | undefined, o: { json?: boolean }) => {
      const file = maybeFile ?? refOrFile;
      const { spec, lineOf } = readRule(file);
      const ref = maybeFile ? refOrFile : `${spec.pack}.${spec.name}`;
      const r = await withLines(file, lineOf, () => makeClient().put<Json>(`/rules/${ref}`, spec));
      if (o.json) return printJson(r);
      process.stdout.write(`updated rule ${String(r.ref)}\n`);
    });
  rule.command('delete <ref>')
    .description('delete a rule')
    .option('--json', 'JSON output')
    .action(async (ref: string, o: { json?: boolean }) => {
      await makeClient().delete(`/rules/${ref}`);
      printOutcome(o.json, { rule: ref, deleted: true }, `deleted rule ${ref}`);
    });
  for (const verb of ['enable', 'disable'] as const) {
    rule.command(`${verb} <ref>`)
      .description(`${verb} a rule`)
      .option('--json', 'JSON output')
      .action(async (ref: string, o: { json?: boolean }) => {
        const r = await makeClient().post<Json>(`/rules/${ref}/${verb}`);
        printOutcome(o.json, r, `rule ${String(r.ref)} ${r.enabled ? 'enabled' : 'disabled'}`);
      });
  }
}

/** A rule named by a file (checked here) or by a stored rule's ref. */
function ruleArg(given: string): string | RuleSpec {
  return existsSync(given) ? readRule(given).spec : given;
}

function registerRuleDryRuns(rule: Command): void {
  rule.command('test <rule>')
    .description('show which criteria pass or fail and the rendered parameters, without running anything (RULE: a file or a stored rule ref); exit 0 when it would fire')
    .option('--payload <json>', 'the trigger payload, as JSON')
    .option('--trigger-instance <id>', 'use a stored trigger instance')
    .option('--json', 'JSON output')
    .action(async (given: string, o: { payload?: string; triggerInstance?: string; json?: boolean }) => {
      let payload: unknown;
      if (o.payload !== undefined) {
        try {
          payload = JSON.parse(o.payload);
        } catch (err) {
          throw new SquallError('BAD_REQUEST', `--payload is not valid JSON: ${(err as Error).message}`, { field: 'payload' });
        }
      }
      if (payload === undefined && !o.triggerInstance) throw new SquallError('BAD_REQUEST', 'give --payload JSON or --trigger-instance ID');
      const r = await makeClient().post<Json & { criteria: Json[] }>('/rules/test', { rule: ruleArg(given), payload, trigger_instance_id: o.triggerInstance });
      if (o.json) printJson(r);
      else printTest(r);
      process.exitCode = r.would_fire ? 0 : 1;
    });
  rule.command('replay <rule>')
    .description('evaluate a rule (file or ref) against stored trigger instances and report what it would have fired')
    .requiredOption('--since <time>', 'ISO time or an age such as 1h')
    .option('--until <time>', 'ISO time or an age (default now)')
    .option('-n, --limit <n>', 'instances to evaluate at most', '10000')
    .option('--json', 'JSON output')
    .action(async (given: string, o: { since: string; until?: string; limit: string; json?: boolean }) => {
      const r = await makeClient().post<Json & { would_fire: Json[] }>('/rules/replay', { rule: ruleArg(given), since: o.since, until: o.until, limit: Number(o.limit) });
      if (o.json) return printJson(r);
      process.stdout.write(`${String(r.rule)}: ${String(r.evaluated)} trigger instance(s) of ${String(r.trigger)} evaluated, ${String(r.matched)} matched, ${r.would_fire.length} would have fired${r.truncated ? ' (limit reached)' : ''}\n`);
      if (r.would_fire.length) printTable(r.would_fire, ['trigger_instance_id', 'occurrence_time', 'parameters']);
    });
}

export function registerRuleCommands(program: Command): void {
  const rule = group(program, 'rule', 'rules: trigger → criteria → action');
  registerRuleCrud(rule);
  registerRuleDryRuns(rule);

  const enf = group(program, 'rule-enforcement', 'rule enforcements: every decision the rules engine made');
  enf.command('list')
    .description('recent rule enforcements, newest first')
    .option('--rule <ref>', 'only this rule')
    .option('--trigger-instance <id>', 'only decisions about this trigger instance')
    .option('--execution <id>', 'the enforcement that requested this execution')
    .option('--status <status>', 'succeeded, failed, no_match or suppressed')
    .option('-n, --limit <n>', 'how many', '50')
    .option('--json', 'JSON output')
    .action(async (o: { rule?: string; triggerInstance?: string; execution?: string; status?: string; limit: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: o.limit });
      if (o.rule) q.set('rule', o.rule);
      if (o.triggerInstance) q.set('trigger_instance', o.triggerInstance);
      if (o.execution) q.set('execution', o.execution);
      if (o.status) q.set('status', o.status);
      const list = await makeClient().get<Json[]>(`/ruleenforcements?${q}`);
      if (o.json) return printJson(list);
      printTable(list, ['id', 'rule_ref', 'trigger_instance_id', 'status', 'execution_id', 'failure_reason']);
    });
  enf.command('get <id>')
    .description('one rule enforcement')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean }) => {
      const e = await makeClient().get<Json>(`/ruleenforcements/${id}`);
      return o.json ? printJson(e) : printRecord(e);
    });
  purgeCommand(enf, 'rule enforcements', '/ruleenforcements/purge');
}
