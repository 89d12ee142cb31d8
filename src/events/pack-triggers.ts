// Trigger types a pack declares in triggers/*.yaml (name, description, payload_schema,
// parameters_schema), the way st2 sensors declare their trigger_types.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Problem } from '../packs/problems.js';
import { shown } from '../packs/problems.js';
import { parseYaml } from '../packs/yaml-source.js';
import type { TriggerType } from './model.js';

const KNOWN = ['name', 'pack', 'description', 'payload_schema', 'parameters_schema', 'tags'];

/** The pack-relative YAML files in `sub` (sorted), none when the folder is absent. */
export async function packYamlFiles(dir: string, sub: string): Promise<string[]> {
  const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => `${sub}/${e.name}`).sort();
}

/** Reads triggers/*.yaml; every problem is returned with file:line, nothing thrown. */
export async function loadPackTriggerTypes(dir: string, pack: string, now: number): Promise<{ types: TriggerType[]; problems: Problem[] }> {
  const types: TriggerType[] = [];
  const problems: Problem[] = [];
  for (const file of await packYamlFiles(dir, 'triggers')) {
    const y = parseYaml(file, await readFile(join(dir, file), 'utf8'));
    if (y.problems.length) {
      problems.push(...y.problems);
      continue;
    }
    const d = y.data as Record<string, unknown> | null;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      problems.push({ file, line: 1, message: 'must hold a YAML mapping' });
      continue;
    }
    const before = problems.length;
    const at = (field: string, message: string) => problems.push({ file, line: y.lineOf([field]), field, message });
    if (typeof d.name !== 'string' || !/^[\w][\w.-]*$/.test(d.name)) at('name', `must be a name of letters, digits, _ . - (got ${shown(d.name)})`);
    if (d.pack !== undefined && d.pack !== pack) at('pack', `must be ${pack}, the pack it is in (got ${shown(d.pack)})`);
    for (const k of ['payload_schema', 'parameters_schema']) {
      if (d[k] !== undefined && (typeof d[k] !== 'object' || d[k] === null || Array.isArray(d[k]))) at(k, 'must be a JSON schema (a map)');
    }
    for (const k of Object.keys(d)) if (!KNOWN.includes(k)) at(k, `is not a known field (known: ${KNOWN.join(', ')})`);
    if (problems.length > before) continue;
    types.push({
      ref: `${pack}.${d.name as string}`, pack, name: d.name as string,
      description: typeof d.description === 'string' ? d.description : '',
      payload_schema: (d.payload_schema as Record<string, unknown> | undefined) ?? {},
      parameters_schema: (d.parameters_schema as Record<string, unknown> | undefined) ?? {},
      metadata: { file }, updated_at: now,
    });
  }
  return { types, problems };
}
