// Packs and actions as Squall stores them (StackStorm's metadata, kept whole in `metadata`).

export type ParameterType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';

/** One parameter of an action or runner, as in st2 action metadata (a JSON-Schema-like map). */
export interface ParameterSpec {
  /** One type, or a JSON-Schema list of them (a runner's verify_ssl_cert: boolean or a CA bundle path). */
  type?: ParameterType | ParameterType[];
  description?: string;
  required?: boolean;
  default?: unknown;
  immutable?: boolean;
  secret?: boolean;
  position?: number;
  enum?: unknown[];
  [key: string]: unknown;
}

export type ParameterSchema = Record<string, ParameterSpec>;

export interface Pack {
  name: string;
  version: string;
  description: string;
  /** Directory the pack was registered from (null for packs created through the API only). */
  path: string | null;
  /** pack.yaml as parsed. */
  metadata: Record<string, unknown>;
  registered_at: number;
}

export interface Action {
  /** "pack.name" */
  ref: string;
  pack: string;
  name: string;
  runner_type: string;
  entry_point: string;
  description: string;
  enabled: boolean;
  parameters: ParameterSchema;
  /** The action YAML as parsed (everything else st2 allows: notify, tags, output_schema, …). */
  metadata: Record<string, unknown>;
  updated_at: number;
}
