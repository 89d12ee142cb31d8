// Pack configuration, as st2 (https://docs.stackstorm.com/reference/pack_configs.html): a pack's
// config.schema.yaml describes its settings; the values live in configs/<pack>.yaml, looked for
// in $SQUALL_HOME/configs/ (like st2's /opt/stackstorm/configs) and then in the pack directory.
// At registration the values are checked against the schema with the defaults applied; a value
// that is a `{{ st2kv.… }}` template is checked when it is resolved, at use. Settings marked
// `secret: true` are masked in API output. Registered with the packs module as a PackContent:
//   createPackDeps(store, now, runners, { contents: [packConfigContent(home)] })
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { kvReader, referencedKeys, systemMayDecrypt, type DatastoreDeps } from '../datastore/index.js';
import { SquallError } from '../errors.js';
import { renderValue } from '../expr/index.js';
import * as rows from '../store/pack-configs.js';
import type { Tx } from '../store/types.js';
import type { PackContent } from './index.js';

export const MASK = '********';

type Schema = Record<string, { type?: string; default?: unknown; required?: boolean; secret?: boolean; [k: string]: unknown }>;

export interface PackConfig {
  pack: string;
  /** st2's config.schema.yaml mapping (property → spec). */
  schema: Schema;
  /** Values with defaults applied; st2kv templates not yet resolved. */
  values: Record<string, unknown>;
}

function readYaml(file: string): unknown {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new SquallError('PACK_INVALID', `${file}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0]}`, { file, line: e.linePos?.[0].line });
  }
  return doc.toJS() ?? {};
}

const isTemplate = (v: unknown) => typeof v === 'string' && /\{\{.*\}\}|\{%.*%\}/s.test(v);

/** The JSON Schema for a config.schema.yaml mapping: its properties, `required: true` ones required. */
export function toJsonSchema(schema: Schema): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const { required: _r, secret: _s, ...rest } = spec;
    properties[name] = rest;
  }
  return { type: 'object', properties, required: Object.keys(schema).filter((k) => schema[k]!.required === true) };
}

function problem(file: string, e: ErrorObject): string {
  const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || String(e.params.missingProperty ?? '');
  return `${file}: ${field} ${e.message}`;
}

/** Reads, checks and defaults the config of the pack in `dir`; null when it has no config.schema.yaml. */
export function loadPackConfig(home: string, dir: string, pack: string): PackConfig | null {
  const schemaFile = join(dir, 'config.schema.yaml');
  if (!existsSync(schemaFile)) return null;
  const schema = readYaml(schemaFile);
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new SquallError('PACK_INVALID', `${schemaFile}: expected a mapping of setting name to its schema`, { file: schemaFile });
  }
  const candidates = [join(home, 'configs', `${pack}.yaml`), join(dir, 'configs', `${pack}.yaml`)];
  const valuesFile = candidates.find((f) => existsSync(f));
  const given = valuesFile ? readYaml(valuesFile) : {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new SquallError('PACK_INVALID', `${valuesFile}: expected a mapping of setting name to value`, { file: valuesFile });
  }
  const values = structuredClone(given) as Record<string, unknown>;
  // Templates stand in for values of any type until they are resolved at use.
  const checked = Object.fromEntries(Object.entries(values).filter(([, v]) => !isTemplate(v)));
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  let validate;
  try {
    validate = ajv.compile(toJsonSchema(schema as Schema));
  } catch (err) {
    throw new SquallError('PACK_INVALID', `${schemaFile}: not a valid schema: ${(err as Error).message}`, { file: schemaFile }, { cause: err });
  }
  const ok = validate(checked);
  const missing = (validate.errors ?? []).filter((e) => !(e.keyword === 'required' && isTemplate(values[String(e.params.missingProperty)])));
  if (!ok && missing.length) {
    const where = valuesFile ?? `configs/${pack}.yaml (missing)`;
    throw new SquallError('PACK_INVALID', missing.map((e) => problem(where, e)).join('; '), { file: valuesFile });
  }
  return { pack, schema: schema as Schema, values: { ...checked, ...Object.fromEntries(Object.entries(values).filter(([, v]) => isTemplate(v))) } };
}

/** The pack-content hook: stores the pack's config at registration, drops it with the pack. */
export function packConfigContent(home: string): PackContent {
  return {
    async register(tx: Tx, dir: string, pack: string) {
      const config = loadPackConfig(home, dir, pack);
      if (!config) {
        await rows.deletePackConfig(tx, pack);
        return;
      }
      await rows.upsertPackConfig(tx, { pack, config_schema: JSON.stringify(config.schema), config_values: JSON.stringify(config.values), updated_at: Date.now() });
    },
    async remove(tx: Tx, pack: string) {
      await rows.deletePackConfig(tx, pack);
    },
  };
}

export async function getPackConfig(tx: Tx, pack: string): Promise<PackConfig | null> {
  const row = await rows.getPackConfig(tx, pack);
  return row ? { pack, schema: JSON.parse(row.config_schema) as Schema, values: JSON.parse(row.config_values) as Record<string, unknown> } : null;
}

/** The values as the API shows them: `secret: true` settings replaced by ********. */
export function maskedValues(config: PackConfig): Record<string, unknown> {
  const out = { ...config.values };
  for (const [name, spec] of Object.entries(config.schema)) if (spec.secret && name in out) out[name] = MASK;
  return out;
}

/**
 * The config an action or sensor of the pack receives: st2kv templates resolved (system scope,
 * secrets decrypted with `| decrypt_kv`, as st2 does for configs), then the types checked.
 */
export async function resolvePackConfig(datastore: DatastoreDeps, pack: string): Promise<Record<string, unknown>> {
  const config = await datastore.store.read((tx) => getPackConfig(tx, pack));
  if (!config) return {};
  const texts = Object.values(config.values).filter(isTemplate) as string[];
  if (!texts.length) return config.values;
  const resolved = await kvReader(datastore, systemMayDecrypt)(null, null, referencedKeys(...texts),
    (kv) => renderValue(config.values, {}, { kv }) as Record<string, unknown>);
  const ajv = new Ajv({ allErrors: true, strict: false });
  if (!ajv.validate(toJsonSchema(config.schema), resolved)) {
    throw new SquallError('PACK_INVALID', `config of pack ${pack}: ${ajv.errors!.map((e) => problem('resolved values', e)).join('; ')}`, { field: pack });
  }
  return resolved;
}
