// Reading a rule: shape, criteria, window and templates checked in one pass, every
// problem collected with its path so a rule file's problems come out as file:line.
import { compileJinjaTemplate } from '../expr/jinja/index.js';
import { referencedKeys } from '../datastore/template.js';
import { SquallError } from '../errors.js';
import type { LineOf, Path } from '../packs/problems.js';
import { fieldName, shown } from '../packs/problems.js';
import { parseYaml } from '../packs/yaml-source.js';
import { compileCriteria, criteriaTemplates, type Group } from './criteria.js';
import type { Rule, RuleProblem, RuleSpec } from './model.js';
import { compileWindow, parseDuration, type WindowSpec } from './window.js';
import { compilePredicate, type Predicate } from './predicate.js';

/** A rule made ready for matching. */
export interface CompiledRule {
  rule: Rule;
  criteria: Group;
  /** The criteria as one closure (the matcher's hot path). */
  passes: Predicate;
  window: WindowSpec | null;
  cooldownMs: number;
  /** Datastore names the templates may read ('system.x'), preloaded before rendering; null when they use no st2kv. */
  kvNames: string[] | null;
}

/** Pack of rules created outside a pack, as in st2. */
export const DEFAULT_PACK = 'default';

const KNOWN = ['name', 'pack', 'description', 'enabled', 'trigger', 'criteria', 'action', 'window', 'cooldown', 'tags', 'context',
  // st2 exports these with a rule; they are accepted and ignored.
  'id', 'ref', 'uid', 'type', 'metadata_file'];
const NAME = /^[A-Za-z0-9_][\w.-]*$/;
const PACK = /^[\w-]+$/;
const REF = /^[\w-]+\.[\w.-]+$/;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function templates(value: unknown, at: Path, out: Array<{ text: string; path: Path }>): void {
  if (typeof value === 'string') {
    if (value.includes('{{') || value.includes('{%')) out.push({ text: value, path: at });
  } else if (Array.isArray(value)) value.forEach((v, i) => templates(v, [...at, i], out));
  else if (isMap(value)) for (const [k, v] of Object.entries(value)) templates(v, [...at, k], out);
}

function checkString(raw: Record<string, unknown>, key: string, re: RegExp | null, required: boolean, problems: RuleProblem[]): void {
  const v = raw[key];
  if (v === undefined) {
    if (required) problems.push({ path: [key], message: 'is required' });
  } else if (typeof v !== 'string' || (re && !re.test(v))) {
    problems.push({ path: [key], message: `must be ${re ? `a string matching ${re.source}` : 'a string'} (got ${shown(v)})` });
  }
}

function checkPart(raw: Record<string, unknown>, key: 'trigger' | 'action', field: 'type' | 'ref', problems: RuleProblem[]): void {
  const part = raw[key];
  if (!isMap(part)) {
    problems.push({ path: [key], message: part === undefined ? 'is required' : `must be a map with ${field} and parameters (got ${shown(part)})` });
    return;
  }
  const v = part[field];
  if (typeof v !== 'string' || !REF.test(v)) problems.push({ path: [key, field], message: v === undefined ? 'is required' : `must be a pack.name reference (got ${shown(v)})` });
  if (part.parameters !== undefined && !isMap(part.parameters)) problems.push({ path: [key, 'parameters'], message: `must be a map (got ${shown(part.parameters)})` });
  for (const k of Object.keys(part)) {
    if (k !== field && k !== 'parameters') problems.push({ path: [key, k], message: `is not a known field (known: ${field}, parameters)` });
  }
}

/** Checks a rule body (parsed YAML or JSON); returns the normalised spec, or null with the problems. */
export function checkRuleSpec(raw: unknown, defaultPack = DEFAULT_PACK): { spec: RuleSpec | null; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  if (!isMap(raw)) return { spec: null, problems: [{ path: [], message: `a rule must be a map (got ${raw === undefined || raw === null ? 'an empty document' : shown(raw)})` }] };
  for (const k of Object.keys(raw)) if (!KNOWN.includes(k)) problems.push({ path: [k], message: `is not a known field (known: ${KNOWN.slice(0, 11).join(', ')})` });
  checkString(raw, 'name', NAME, true, problems);
  checkString(raw, 'pack', PACK, false, problems);
  checkString(raw, 'description', null, false, problems);
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') problems.push({ path: ['enabled'], message: `must be true or false (got ${shown(raw.enabled)})` });
  checkPart(raw, 'trigger', 'type', problems);
  checkPart(raw, 'action', 'ref', problems);
  compileCriteria(raw.criteria, ['criteria'], problems);
  if (raw.window !== undefined) compileWindow(raw.window, ['window'], problems);
  if (raw.cooldown !== undefined && parseDuration(raw.cooldown) === null) {
    problems.push({ path: ['cooldown'], message: `must be a duration such as 30s, 5m, 1h (got ${shown(raw.cooldown)})` });
  }
  const found: Array<{ text: string; path: Path }> = [];
  templates(isMap(raw.action) ? raw.action.parameters : undefined, ['action', 'parameters'], found);
  for (const t of found) {
    try {
      compileJinjaTemplate(t.text);
    } catch (err) {
      problems.push({ path: t.path, message: `is not a valid Jinja template: ${(err as Error).message}` });
    }
  }
  if (problems.length) return { spec: null, problems };
  const trigger = raw.trigger as Record<string, unknown>;
  const action = raw.action as Record<string, unknown>;
  const spec: RuleSpec = {
    name: raw.name as string,
    pack: (raw.pack as string | undefined) ?? defaultPack,
    description: (raw.description as string | undefined) ?? '',
    enabled: (raw.enabled as boolean | undefined) ?? true,
    trigger: { type: trigger.type as string, parameters: (trigger.parameters as Record<string, unknown> | undefined) ?? {} },
    criteria: (raw.criteria as Record<string, unknown> | undefined) ?? {},
    action: { ref: action.ref as string, parameters: (action.parameters as Record<string, unknown> | undefined) ?? {} },
  };
  if (raw.window !== undefined) spec.window = raw.window as RuleSpec['window'];
  if (raw.cooldown !== undefined) spec.cooldown = raw.cooldown as string | number;
  if (raw.tags !== undefined) spec.tags = raw.tags as unknown[];
  if (raw.context !== undefined) spec.context = raw.context as Record<string, unknown>;
  return { spec, problems };
}

/** Compiles a stored (already checked) rule for matching. */
export function compileRule(rule: Rule): CompiledRule {
  const problems: RuleProblem[] = [];
  const criteria = compileCriteria(rule.criteria, ['criteria'], problems);
  const window = rule.window ? compileWindow(rule.window, ['window'], problems) : null;
  if (problems.length) throw ruleInvalid(problems);
  const texts: string[] = [...criteriaTemplates(criteria)];
  const found: Array<{ text: string; path: Path }> = [];
  templates(rule.action.parameters, [], found);
  texts.push(...found.map((f) => f.text));
  return {
    rule, criteria, passes: compilePredicate(criteria), window,
    cooldownMs: rule.cooldown === undefined ? 0 : parseDuration(rule.cooldown) ?? 0,
    kvNames: texts.some((t) => t.includes('st2kv')) ? referencedKeys(...texts) : null,
  };
}

/** One RULE_INVALID listing every problem, one a line ("file:line: field message" when the file is known). */
export function ruleInvalid(problems: readonly RuleProblem[], file?: string, lineOf?: LineOf): SquallError {
  const lines = problems.map((p) => {
    const line = lineOf?.(p.path, p.message.startsWith('is not a known field'));
    const place = [file, line].filter((x) => x !== undefined).join(':');
    const field = fieldName(p.path);
    const text = field ? `${field} ${p.message}` : p.message;
    return { text: place ? `${place}: ${text}` : text, file, line, field: field || undefined, message: p.message };
  });
  const first = lines[0]!;
  return new SquallError('RULE_INVALID', lines.map((l) => l.text).join('\n'), { file: first.file, line: first.line, field: first.field }, {
    details: { problems: lines.map(({ file: f, line, field, message }) => ({ file: f, line, field, message })) },
  });
}

/** Parses a rule file; throws RULE_INVALID with file:line for syntax and shape problems. */
export function parseRuleYaml(file: string, text: string, defaultPack = DEFAULT_PACK): { spec: RuleSpec; lineOf: LineOf } {
  const y = parseYaml(file, text);
  if (y.problems.length) {
    const p = y.problems[0]!;
    throw new SquallError('RULE_INVALID', y.problems.map((q) => `${q.file}:${q.line}: ${q.message}`).join('\n'), { file, line: p.line });
  }
  const { spec, problems } = checkRuleSpec(y.data, defaultPack);
  if (!spec) throw ruleInvalid(problems, file, y.lineOf);
  return { spec, lineOf: y.lineOf };
}
