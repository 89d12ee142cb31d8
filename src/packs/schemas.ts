// The shapes of pack.yaml and action metadata, as st2 accepts them: one TypeBox schema
// each, compiled once by Ajv. Policies have theirs in policies.ts.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';

// Every error (not just the first), no type coercion; verbose keeps each error's schema
// so an unknown key can be answered with the known ones. The second instance also fills in
// schema defaults (policy parameters); Ajv takes useDefaults per instance, not per schema.
// These schemas are ours (TypeBox): checking them against the JSON Schema meta-schema would
// compile the meta-schema at every start for nothing (validateSchema: false).
const options = { allErrors: true, strict: true, strictRequired: false, verbose: true, validateSchema: false } as const;
const ajv = new Ajv(options);
const ajvFillingDefaults = new Ajv({ ...options, useDefaults: true });

/** Compiles a schema; with `fillDefaults`, validating also writes missing defaults into the value. */
export function compile<T extends TSchema>(schema: T, fillDefaults = false): ValidateFunction<Static<T>> {
  return (fillDefaults ? ajvFillingDefaults : ajv).compile<Static<T>>(schema);
}

/** A string that must be one of `values`; Ajv reports it as a single enum error. */
export function OneOf<T extends string>(values: readonly T[], options: { default?: T; description?: string } = {}) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

// st2's PACK_REF_WHITELIST_REGEX: a pack ref is lower-case letters, digits and underscores.
export const PACK_REF_PATTERN = '^[a-z0-9_]+$';
// st2's PACK_VERSION_REGEX (semver). "1.2" is accepted and read as "1.2.0", as st2 normalises it.
const PACK_VERSION_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[\\da-z-]+(\\.[\\da-z-]+)*)?(\\+[\\da-z-]+(\\.[\\da-z-]+)*)?$';
const ACTION_NAME_PATTERN = '^[A-Za-z0-9_-]+$';

const PackFile = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    ref: Type.Optional(Type.String({ pattern: PACK_REF_PATTERN })),
    description: Type.String(),
    version: Type.String({ pattern: PACK_VERSION_PATTERN }),
    author: Type.String(),
    email: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' })),
    keywords: Type.Optional(Type.Array(Type.String())),
    contributors: Type.Optional(Type.Array(Type.String())),
    dependencies: Type.Optional(Type.Array(Type.String())),
    stackstorm_version: Type.Optional(Type.String()),
    python_versions: Type.Optional(Type.Array(Type.String())),
    system: Type.Optional(Type.Object({})),
    files: Type.Optional(Type.Array(Type.String())),
  },
  // st2 allows further keys in pack.yaml so new attributes don't break old installs.
  { additionalProperties: true },
);

const PARAMETER_TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'object', 'null'] as const;

// A parameter is a JSON-Schema-like map with st2's own keys (required, immutable, secret,
// position); any further JSON Schema keyword (items, minimum, pattern, …) is allowed.
const ParameterSpecSchema = Type.Object(
  {
    type: Type.Optional(OneOf(PARAMETER_TYPES)),
    description: Type.Optional(Type.String()),
    required: Type.Optional(Type.Boolean()),
    default: Type.Optional(Type.Unknown()),
    immutable: Type.Optional(Type.Boolean()),
    secret: Type.Optional(Type.Boolean()),
    position: Type.Optional(Type.Integer({ minimum: 0 })),
    enum: Type.Optional(Type.Array(Type.Unknown(), { minItems: 1 })),
  },
  { additionalProperties: true },
);

// st2's parameter names are `^\w+$`.
const ParametersSchema = Type.Record(Type.String(), ParameterSpecSchema, { propertyNames: { pattern: '^\\w+$' } });

// st2's ActionAPI schema: these keys and no others.
export const ActionFile = Type.Object(
  {
    name: Type.String({ pattern: ACTION_NAME_PATTERN }),
    runner_type: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    enabled: Type.Optional(Type.Boolean()),
    entry_point: Type.Optional(Type.String()),
    pack: Type.Optional(Type.String()),
    parameters: Type.Optional(ParametersSchema),
    output_schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    tags: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
    notify: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    metadata_file: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    ref: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ActionFile = Static<typeof ActionFile>;

export const validatePackFile = compile(PackFile);
export const validateActionFile = compile(ActionFile);
