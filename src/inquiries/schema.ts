// An inquiry's response schema. st2 writes these in JSON Schema draft 3 style (`required:
// true` on a property, `secret: true` to hide a value), as its default schema does; Ajv speaks
// draft 7, so the schema is translated before it checks a response.
import { Ajv, type ErrorObject } from 'ajv';
import { SquallError } from '../errors.js';
import { MASKED_VALUE } from '../executions/parameters.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** st2's default (contrib/runners/inquirer_runner): a required boolean `continue`. */
export const DEFAULT_SCHEMA: Json = {
  title: 'response_data',
  type: 'object',
  properties: {
    continue: { type: 'boolean', description: 'Would you like to continue the workflow?', required: true },
  },
};

// Keywords whose values are schemas (or maps / lists of schemas); nothing else is rewritten,
// so a `default` or `enum` value that happens to hold a `required` key stays as written.
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions'];
const SCHEMA_LISTS = ['anyOf', 'allOf', 'oneOf'];
const SCHEMA_ONE = ['items', 'additionalProperties', 'not'];

function mapValues(m: Json, f: (v: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, f(v)]));
}

/** The draft-7 equivalent of an st2 schema: property-level `required: true` lifted into `required: [...]`, `secret` dropped. */
export function toDraft7(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'secret' || (k === 'required' && typeof v === 'boolean')) continue;
    if (SCHEMA_MAPS.includes(k) && isObject(v)) out[k] = mapValues(v, toDraft7);
    else if (SCHEMA_LISTS.includes(k) && Array.isArray(v)) out[k] = v.map(toDraft7);
    else if (SCHEMA_ONE.includes(k)) out[k] = Array.isArray(v) ? v.map(toDraft7) : toDraft7(v);
    else out[k] = v;
  }
  if (isObject(schema.properties)) {
    const named = Object.entries(schema.properties).filter(([, p]) => isObject(p) && p.required === true).map(([n]) => n);
    const listed = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    if (named.length) out.required = [...new Set([...listed, ...named])];
  }
  return out;
}

function fieldOf(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = e.keyword === 'required' ? String(e.params.missingProperty) : '';
  return ['response', path, missing].filter(Boolean).join('.');
}

/** Compiles `schema`; a schema Ajv refuses is the asker's mistake, reported as invalid parameters. */
export function compileResponseSchema(schema: unknown): (response: unknown) => void {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  let validate;
  try {
    validate = ajv.compile(toDraft7(schema) as Json);
  } catch (err) {
    throw new SquallError('PARAMETERS_INVALID', `schema: not a valid JSON schema: ${(err as Error).message}`, { field: 'schema' }, { cause: err });
  }
  return (response) => {
    if (validate(response)) return;
    const errors = validate.errors ?? [];
    const message = errors.map((e) => `${fieldOf(e)} ${e.keyword === 'required' ? 'is required' : e.message}`).join('; ');
    throw new SquallError('INQUIRY_RESPONSE_INVALID', `the response does not match the inquiry's schema: ${message}`, { field: errors[0] ? fieldOf(errors[0]) : 'response' });
  };
}

/** A copy of `response` with the values of the properties `schema` marks `secret: true` masked (nested objects too). */
export function maskSecretResponse(schema: unknown, response: unknown): unknown {
  if (!isObject(schema) || !isObject(schema.properties) || !isObject(response)) return response;
  const props = schema.properties;
  return Object.fromEntries(Object.entries(response).map(([k, v]) => {
    const spec = props[k];
    if (isObject(spec) && spec.secret === true) return [k, MASKED_VALUE];
    return [k, maskSecretResponse(spec, v)];
  }));
}
