// Loads a StackStorm-layout pack directory: pack.yaml, actions/*.yaml, policies/*.yaml.
// Every file is read and checked before anything is returned, so one registration
// reports every problem in the pack at once.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Pack } from './model.js';
import { checkActionMetadata, checkEntryPoint, type ActionDraft, type RunnerRules } from './actions.js';
import { checkPolicy, type Policy } from './policies.js';
import { ajvProblems, shown, throwProblems, type Problem } from './problems.js';
import { PACK_REF_PATTERN, validatePackFile } from './schemas.js';
import { parseYaml, scalarSource, type YamlFile } from './yaml-source.js';

export type PackDraft = Omit<Pack, 'registered_at'>;

export interface LoadedPack {
  pack: PackDraft;
  actions: ActionDraft[];
  policies: Policy[];
}

// Hidden files (editor swap and lock files) are skipped, as st2's glob skips them.
const isYaml = (f: string) => /^[^.].*\.ya?ml$/.test(f);

async function yamlFiles(dir: string, sub: string): Promise<string[]> {
  const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return entries.filter((e) => e.isFile() && isYaml(e.name)).map((e) => `${sub}/${e.name}`).sort();
}

async function readYaml(dir: string, file: string): Promise<YamlFile> {
  return parseYaml(file, await readFile(join(dir, file), 'utf8'));
}

function notAMap(y: YamlFile): Problem[] {
  const d = y.data;
  if (d !== null && typeof d === 'object' && !Array.isArray(d)) return [];
  return [{ file: y.file, line: 1, message: `must hold a YAML mapping (got ${d === undefined || d === null ? 'an empty file' : shown(d)})` }];
}

// YAML reads `version: 1.10` as the number 1.1; st2 casts it to a string, and taking the
// source text keeps "1.10". A two-part version gets ".0", as st2's normalize_pack_version.
function packVersion(y: YamlFile, raw: unknown): unknown {
  const text = typeof raw === 'number' ? (scalarSource(y.doc, ['version']) ?? String(raw)) : raw;
  return typeof text === 'string' && /^\d+\.\d+$/.test(text) ? `${text}.0` : text;
}

function checkPackFile(y: YamlFile, dir: string): { pack: PackDraft | null; problems: Problem[] } {
  if (y.problems.length) return { pack: null, problems: y.problems };
  const shape = notAMap(y);
  if (shape.length) return { pack: null, problems: shape };
  const meta = { ...(y.data as Record<string, unknown>) };
  if ('version' in meta) meta.version = packVersion(y, meta.version);
  if (!validatePackFile(meta)) return { pack: null, problems: ajvProblems(validatePackFile.errors ?? [], meta, y) };
  // As st2: the ref is `ref`, or else the name when the name is a valid ref.
  const ref = meta.ref ?? meta.name;
  if (!new RegExp(PACK_REF_PATTERN).test(ref)) {
    return {
      pack: null,
      problems: [{ file: y.file, line: y.lineOf(['name']), field: 'name', message: `is not a valid pack ref (lower-case letters, digits and _ only; got ${shown(ref)}): set ref` }],
    };
  }
  return { pack: { name: ref, version: meta.version, description: meta.description, path: dir, metadata: meta }, problems: [] };
}

/** Reports a second use of the same name within one kind of file (actions, policies). */
function duplicateNames<T extends { name: string }>(items: Array<{ item: T; y: YamlFile }>): Problem[] {
  const firstFile = new Map<string, string>();
  const problems: Problem[] = [];
  for (const { item, y } of items) {
    const first = firstFile.get(item.name);
    if (first === undefined) firstFile.set(item.name, y.file);
    else problems.push({ file: y.file, line: y.lineOf(['name']), field: 'name', message: `${shown(item.name)} is already used by ${first}` });
  }
  return problems;
}

async function loadActions(dir: string, pack: string, rules: RunnerRules): Promise<{ actions: ActionDraft[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const loaded: Array<{ item: ActionDraft; y: YamlFile }> = [];
  for (const file of await yamlFiles(dir, 'actions')) {
    const y = await readYaml(dir, file);
    const early = y.problems.length ? y.problems : notAMap(y);
    if (early.length) {
      problems.push(...early);
      continue;
    }
    const checked = checkActionMetadata(y.data, pack, rules, y);
    if (checked.action === null) {
      problems.push(...checked.problems);
      continue;
    }
    problems.push(...(await checkEntryPoint(checked.action, dir, rules, y)));
    loaded.push({ item: checked.action, y });
  }
  problems.push(...duplicateNames(loaded));
  return { actions: loaded.map((l) => l.item), problems };
}

async function loadPolicies(dir: string, pack: string): Promise<{ policies: Policy[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const loaded: Array<{ item: Policy; y: YamlFile }> = [];
  for (const file of await yamlFiles(dir, 'policies')) {
    const y = await readYaml(dir, file);
    const early = y.problems.length ? y.problems : notAMap(y);
    if (early.length) {
      problems.push(...early);
      continue;
    }
    const checked = checkPolicy(y.data, pack, y);
    if (checked.policy === null) problems.push(...checked.problems);
    else loaded.push({ item: checked.policy, y });
  }
  problems.push(...duplicateNames(loaded));
  return { policies: loaded.map((l) => l.item), problems };
}

/**
 * Reads and checks the pack in `dir`. Throws one PACK_INVALID listing every problem
 * ("file:line: field message", one a line); returns the pack only when there are none.
 */
export async function loadPack(dir: string, rules: RunnerRules): Promise<LoadedPack> {
  const root = resolve(dir);
  let packYaml: YamlFile;
  try {
    packYaml = await readYaml(root, 'pack.yaml');
  } catch (err) {
    throwProblems([{ file: 'pack.yaml', message: `cannot be read in ${root}: ${(err as Error).message}` }], err);
  }
  const { pack, problems } = checkPackFile(packYaml, root);
  // Without a valid pack.yaml there is no pack name to check the other files against.
  if (pack === null) throwProblems(problems);
  const actions = await loadActions(root, pack.name, rules);
  const policies = await loadPolicies(root, pack.name);
  const all = [...actions.problems, ...policies.problems];
  if (all.length) throwProblems(all);
  return { pack, actions: actions.actions, policies: policies.policies };
}
