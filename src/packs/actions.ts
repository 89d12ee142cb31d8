// One action's metadata checked the same way whether it comes from actions/NAME.yaml or
// from an API body: schema, runner type, parameter defaults and positions, entry point.
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Action, ParameterSchema, ParameterType } from './model.js';
import { ajvProblems, shown, type Problem, type Source } from './problems.js';
import { validateActionFile, type ActionFile } from './schemas.js';

/** An action as checked, before it is stored (the store stamps `updated_at`). */
export type ActionDraft = Omit<Action, 'updated_at'>;

/** Checks an entry point file for one runner type (e.g. that an Orquesta workflow is valid); `packDir` is absolute. */
export type EntryPointValidator = (action: ActionDraft, absolutePath: string, packDir: string) => Promise<Problem[]>;

/** What action checks need to know about the runners that exist. */
export interface RunnerRules {
  /** Runner types actions may name (st2 runner_type). */
  runnerNames: ReadonlySet<string>;
  /** Runner types that run a file from the pack: their actions need an entry_point that exists. */
  entryPointRunners: ReadonlySet<string>;
  /** Further checks of the entry point file, by runner type. */
  validateEntryPoint?: Readonly<Record<string, EntryPointValidator>>;
}


function isTemplate(v: unknown): boolean {
  return typeof v === 'string' && /\{\{|\{%/.test(v);
}

function hasType(type: ParameterType, v: unknown): boolean {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number';
    case 'boolean': return typeof v === 'boolean';
    case 'array': return Array.isArray(v);
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'null': return v === null;
  }
}

// st2 renders Jinja in defaults ("{{ config_context.port }}") at run time, so only
// literal defaults can be checked against the parameter's type and enum here.
function parameterProblems(params: ParameterSchema, src: Source): Problem[] {
  const problems: Problem[] = [];
  const positions = new Map<number, string>();
  for (const [name, spec] of Object.entries(params)) {
    const at = (field: string, message: string): Problem => ({
      file: src.file,
      line: src.lineOf(['parameters', name, field]),
      field: `parameters.${name}.${field}`,
      message,
    });
    const d = spec.default;
    if (d !== undefined && d !== null && !isTemplate(d)) {
      if (spec.type && ![spec.type].flat().some((t) => hasType(t, d))) problems.push(at('default', `must be ${[spec.type].flat().join(' or ')} like the parameter (got ${shown(d)})`));
      else if (spec.enum && !spec.enum.some((e) => JSON.stringify(e) === JSON.stringify(d)))
        problems.push(at('default', `must be one of ${spec.enum.map((e) => shown(e)).join(', ')} (got ${shown(d)})`));
    }
    if (spec.position !== undefined) {
      const other = positions.get(spec.position);
      if (other !== undefined) problems.push(at('position', `${spec.position} is already taken by parameter ${other}`));
      else positions.set(spec.position, name);
    }
  }
  return problems;
}

/**
 * Checks action metadata (parsed YAML or an API body) for pack `pack`; returns the
 * action, or the problems found. The entry point file is checked by checkEntryPoint.
 */
export function checkActionMetadata(
  value: unknown,
  pack: string,
  rules: RunnerRules,
  src: Source,
): { action: ActionDraft; problems: [] } | { action: null; problems: Problem[] } {
  const valid = validateActionFile(value);
  const problems = valid ? [] : ajvProblems(validateActionFile.errors ?? [], value, src);
  // The checks below read top-level fields only where the schema let them through as
  // strings, so a file with a bad parameter still hears about its unknown runner too.
  const meta = (value !== null && typeof value === 'object' ? value : {}) as Partial<Record<keyof ActionFile, unknown>>;
  const at = (field: string, message: string): Problem => ({ file: src.file, line: src.lineOf([field]), field, message });
  if (typeof meta.pack === 'string' && meta.pack !== pack) problems.push(at('pack', `must be ${pack}, the pack it is in (got ${shown(meta.pack)})`));
  const runner = typeof meta.runner_type === 'string' && meta.runner_type !== '' ? meta.runner_type : null;
  if (runner !== null && !rules.runnerNames.has(runner)) {
    problems.push(at('runner_type', `must be one of ${[...rules.runnerNames].sort().join(', ')} (got ${shown(runner)})`));
  }
  if (runner !== null && rules.entryPointRunners.has(runner) && (meta.entry_point ?? '') === '') {
    problems.push(at('entry_point', `is required for runner ${runner}`));
  }
  if (!valid) return { action: null, problems };
  const checked: ActionFile = value;
  problems.push(...parameterProblems((checked.parameters ?? {}) as ParameterSchema, src));
  if (problems.length) return { action: null, problems };
  return {
    action: {
      ref: `${pack}.${checked.name}`,
      pack,
      name: checked.name,
      runner_type: checked.runner_type,
      entry_point: checked.entry_point ?? '',
      description: checked.description ?? '',
      enabled: checked.enabled ?? true,
      parameters: (checked.parameters ?? {}) as ParameterSchema,
      metadata: checked as Record<string, unknown>,
    },
    problems: [],
  };
}

/**
 * Checks that the action's entry point is a file inside `<packDir>/actions` (where st2
 * resolves entry points), then runs the runner's own validator on it. `packDir` null
 * means the pack has no files, so nothing can be run from it.
 */
export async function checkEntryPoint(action: ActionDraft, packDir: string | null, rules: RunnerRules, src: Source): Promise<Problem[]> {
  if (!rules.entryPointRunners.has(action.runner_type)) return [];
  const at = (message: string): Problem[] => [{ file: src.file, line: src.lineOf(['entry_point']), field: 'entry_point', message }];
  if (packDir === null) return at(`cannot be used: pack ${action.pack} was not registered from a directory`);
  const actionsDir = resolve(packDir, 'actions');
  const path = resolve(actionsDir, action.entry_point);
  const rel = relative(resolve(packDir), path);
  if (rel.startsWith('..') || isAbsolute(rel)) return at(`must stay inside the pack (got ${shown(action.entry_point)})`);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return at(`names no file: ${rel} does not exist`);
  const validate = rules.validateEntryPoint?.[action.runner_type];
  if (!validate) return [];
  // The validator's problems are about the entry point file itself.
  return (await validate(action, path, resolve(packDir))).map((p) => ({ ...p, file: p.file ?? rel }));
}
