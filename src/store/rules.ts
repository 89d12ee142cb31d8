// SQL for rules, the rules revision counter, rule enforcements and rule windows.
import type { EnforcementStatus, Rule, RuleEnforcement } from '../rules/model.js';
import type { Tx } from './types.js';
import { bumpRevision } from './revision.js';
export { rulesRevision } from './revision.js';

interface RuleRow {
  id: string;
  ref: string;
  pack: string;
  name: string;
  enabled: number;
  trigger_type: string;
  trigger_ref: string;
  action_ref: string;
  definition: string;
  source_file: string | null;
  created_at: number;
  updated_at: number;
}

interface EnforcementRow {
  id: string;
  rule_ref: string;
  rule_id: string;
  trigger_instance_id: string;
  status: EnforcementStatus;
  execution_id: string | null;
  failure_reason: string | null;
  details: string;
  enforced_at: number;
}

function toRule(r: RuleRow): Rule {
  return {
    ...JSON.parse(r.definition),
    id: r.id, ref: r.ref, pack: r.pack, name: r.name, enabled: r.enabled === 1,
    trigger_ref: r.trigger_ref, source_file: r.source_file, created_at: r.created_at, updated_at: r.updated_at,
  };
}

const toEnforcement = (r: EnforcementRow): RuleEnforcement => ({ ...r, details: JSON.parse(r.details) });

function definition(rule: Rule): string {
  const { id: _id, ref: _ref, trigger_ref: _t, source_file: _s, created_at: _c, updated_at: _u, ...spec } = rule;
  return JSON.stringify(spec);
}

/** Inserts or replaces the rule with `rule.ref`, keeping its id and creation time when it exists. */
export async function upsertRule(tx: Tx, rule: Rule): Promise<void> {
  await tx.run(
    `insert into rules (id, ref, pack, name, enabled, trigger_type, trigger_ref, action_ref, definition, source_file, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     on conflict (ref) do update set enabled = excluded.enabled, trigger_type = excluded.trigger_type,
       trigger_ref = excluded.trigger_ref, action_ref = excluded.action_ref, definition = excluded.definition,
       source_file = excluded.source_file, updated_at = excluded.updated_at`,
    [rule.id, rule.ref, rule.pack, rule.name, rule.enabled ? 1 : 0, rule.trigger.type, rule.trigger_ref, rule.action.ref,
      definition(rule), rule.source_file, rule.created_at, rule.updated_at],
  );
  await bumpRevision(tx);
}

export async function getRule(tx: Tx, refOrId: string): Promise<Rule | undefined> {
  const r = await tx.get<RuleRow>('select * from rules where ref = $1 or id = $1', [refOrId]);
  return r && toRule(r);
}

export async function listRules(tx: Tx, f: { pack?: string; triggerType?: string; enabled?: boolean } = {}): Promise<Rule[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.pack !== undefined) where.push(`pack = $${params.push(f.pack)}`);
  if (f.triggerType !== undefined) where.push(`trigger_type = $${params.push(f.triggerType)}`);
  if (f.enabled !== undefined) where.push(`enabled = $${params.push(f.enabled ? 1 : 0)}`);
  const rows = await tx.all<RuleRow>(`select * from rules ${where.length ? 'where ' + where.join(' and ') : ''} order by ref`, params);
  return rows.map(toRule);
}

export async function deleteRule(tx: Tx, ref: string): Promise<boolean> {
  const n = await tx.run('delete from rules where ref = $1', [ref]);
  await tx.run('delete from rule_windows where rule_ref = $1', [ref]);
  if (n) await bumpRevision(tx);
  return n > 0;
}

/** Every enabled rule (the rules engine indexes them by trigger). */
export async function listEnabledRules(tx: Tx): Promise<Rule[]> {
  return (await tx.all<RuleRow>('select * from rules where enabled = 1 order by ref')).map(toRule);
}

const ENFORCEMENT_COLUMNS = 9;
const ENFORCEMENTS_PER_STATEMENT = 100;

/** Inserts rule enforcements, up to 100 rows per statement (one decision per rule on an instance). */
export async function insertEnforcements(tx: Tx, list: readonly RuleEnforcement[]): Promise<void> {
  for (let at = 0; at < list.length; at += ENFORCEMENTS_PER_STATEMENT) {
    const chunk = list.slice(at, at + ENFORCEMENTS_PER_STATEMENT);
    const rows = chunk.map((_, r) => `(${Array.from({ length: ENFORCEMENT_COLUMNS }, (_, c) => `$${r * ENFORCEMENT_COLUMNS + c + 1}`).join(', ')})`);
    await tx.run(
      `insert into rule_enforcements (id, rule_ref, rule_id, trigger_instance_id, status, execution_id, failure_reason, details, enforced_at)
       values ${rows.join(', ')}`,
      chunk.flatMap((e) => [e.id, e.rule_ref, e.rule_id, e.trigger_instance_id, e.status, e.execution_id, e.failure_reason, JSON.stringify(e.details), e.enforced_at]),
    );
  }
}

export async function getEnforcement(tx: Tx, id: string): Promise<RuleEnforcement | undefined> {
  const r = await tx.get<EnforcementRow>('select * from rule_enforcements where id = $1', [id]);
  return r && toEnforcement(r);
}

export interface EnforcementFilter {
  rule?: string;
  triggerInstance?: string;
  execution?: string;
  status?: EnforcementStatus;
  since?: number;
  limit: number;
  offset?: number;
}

export async function listEnforcements(tx: Tx, f: EnforcementFilter): Promise<RuleEnforcement[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.rule !== undefined) where.push(`rule_ref = $${params.push(f.rule)}`);
  if (f.triggerInstance !== undefined) where.push(`trigger_instance_id = $${params.push(f.triggerInstance)}`);
  if (f.execution !== undefined) where.push(`execution_id = $${params.push(f.execution)}`);
  if (f.status !== undefined) where.push(`status = $${params.push(f.status)}`);
  if (f.since !== undefined) where.push(`enforced_at >= $${params.push(f.since)}`);
  const limit = params.push(f.limit);
  const offset = params.push(f.offset ?? 0);
  const rows = await tx.all<EnforcementRow>(
    `select * from rule_enforcements ${where.length ? 'where ' + where.join(' and ') : ''}
     order by enforced_at desc, id desc limit $${limit} offset $${offset}`,
    params,
  );
  return rows.map(toEnforcement);
}

export interface WindowRow {
  events: Array<[number, number | null]>;
  cooldownUntil: number;
}

/**
 * The window state of (rule, group), locked for this transaction: on PostgreSQL the row
 * is created if missing and taken FOR UPDATE, so two nodes never update one window at once.
 */
export async function lockWindow(tx: Tx, ruleRef: string, group: string, now: number): Promise<WindowRow> {
  if (tx.dialect === 'postgres') {
    await tx.run(
      `insert into rule_windows (rule_ref, group_key, events, cooldown_until, updated_at) values ($1, $2, '[]', 0, $3)
       on conflict (rule_ref, group_key) do nothing`,
      [ruleRef, group, now],
    );
  }
  const lock = tx.dialect === 'postgres' ? ' for update' : '';
  const r = await tx.get<{ events: string; cooldown_until: number }>(
    `select events, cooldown_until from rule_windows where rule_ref = $1 and group_key = $2${lock}`, [ruleRef, group],
  );
  return r ? { events: JSON.parse(r.events), cooldownUntil: r.cooldown_until } : { events: [], cooldownUntil: 0 };
}

export async function saveWindow(tx: Tx, ruleRef: string, group: string, w: WindowRow, now: number): Promise<void> {
  await tx.run(
    `insert into rule_windows (rule_ref, group_key, events, cooldown_until, updated_at) values ($1, $2, $3, $4, $5)
     on conflict (rule_ref, group_key) do update set events = excluded.events, cooldown_until = excluded.cooldown_until,
       updated_at = excluded.updated_at`,
    [ruleRef, group, JSON.stringify(w.events), w.cooldownUntil, now],
  );
}

/** Deletes up to `batch` rule enforcements made before `before`; returns how many. */
export async function purgeEnforcements(tx: Tx, before: number, batch: number): Promise<number> {
  return tx.run(
    'delete from rule_enforcements where id in (select id from rule_enforcements where enforced_at < $1 order by enforced_at limit $2)',
    [before, batch],
  );
}
