// st2 policies (policies/*.yaml): the file's shape and, per policy type, its parameters
// with st2's defaults filled in, so the scheduler reads complete parameters.
import { Type, type Static } from '@sinclair/typebox';
import { ajvProblems, shown, type Problem, type Source } from './problems.js';
import { OneOf, compile } from './schemas.js';

export const POLICY_TYPES = ['action.concurrency', 'action.concurrency.attr', 'action.retry'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

const ConcurrencyAction = OneOf(['delay', 'cancel'] as const, { default: 'delay' });

// Parameters as st2's policy type metadata (st2actions/policies/meta/*.yaml) and policy
// classes define them, defaults included; unknown keys are rejected to catch typos.
const ConcurrencyParameters = Type.Object(
  { threshold: Type.Integer({ minimum: 0 }), action: Type.Optional(ConcurrencyAction) },
  { additionalProperties: false },
);
const ConcurrencyAttrParameters = Type.Object(
  {
    threshold: Type.Integer({ minimum: 0 }),
    action: Type.Optional(ConcurrencyAction),
    attributes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true, default: [] })),
  },
  { additionalProperties: false },
);
const RetryParameters = Type.Object(
  {
    retry_on: OneOf(['failure', 'timeout'] as const),
    max_retry_count: Type.Optional(Type.Integer({ minimum: 0, default: 2 })),
    delay: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'seconds before the retry' })),
  },
  { additionalProperties: false },
);

export type ConcurrencyParameters = Required<Static<typeof ConcurrencyParameters>>;
export type ConcurrencyAttrParameters = Required<Static<typeof ConcurrencyAttrParameters>>;
export type RetryParameters = Required<Static<typeof RetryParameters>>;

interface PolicyBase {
  /** "pack.name" */
  ref: string;
  pack: string;
  name: string;
  /** The action the policy applies to ("pack.action"). */
  resource_ref: string;
  enabled: boolean;
}

/** A registered policy, its parameters complete (st2 defaults applied). */
export type Policy =
  | (PolicyBase & { policy_type: 'action.concurrency'; parameters: ConcurrencyParameters })
  | (PolicyBase & { policy_type: 'action.concurrency.attr'; parameters: ConcurrencyAttrParameters })
  | (PolicyBase & { policy_type: 'action.retry'; parameters: RetryParameters });

const PolicyFile = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }),
    resource_ref: Type.String({ pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' }),
    policy_type: OneOf(POLICY_TYPES),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    description: Type.Optional(Type.String()),
    enabled: Type.Optional(Type.Boolean()),
    pack: Type.Optional(Type.String()),
    ref: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const validatePolicyFile = compile(PolicyFile);

const parameterValidators = {
  'action.concurrency': compile(ConcurrencyParameters, true),
  'action.concurrency.attr': compile(ConcurrencyAttrParameters, true),
  'action.retry': compile(RetryParameters, true),
} as const;

/** Checks one policy file's data for pack `pack`; returns the policy or the problems. */
export function checkPolicy(value: unknown, pack: string, src: Source): { policy: Policy; problems: [] } | { policy: null; problems: Problem[] } {
  if (!validatePolicyFile(value)) return { policy: null, problems: ajvProblems(validatePolicyFile.errors ?? [], value, src) };
  const problems: Problem[] = [];
  if (value.pack !== undefined && value.pack !== pack) {
    problems.push({ file: src.file, line: src.lineOf(['pack']), field: 'pack', message: `must be ${pack}, the pack it is in (got ${shown(value.pack)})` });
  }
  const parameters: Record<string, unknown> = structuredClone(value.parameters ?? {});
  const validateParameters = parameterValidators[value.policy_type];
  if (!validateParameters(parameters)) {
    problems.push(...ajvProblems(validateParameters.errors ?? [], parameters, src, ['parameters']));
  }
  if (problems.length) return { policy: null, problems };
  return {
    policy: {
      ref: `${pack}.${value.name}`,
      pack,
      name: value.name,
      resource_ref: value.resource_ref,
      policy_type: value.policy_type,
      enabled: value.enabled ?? true,
      parameters,
    } as Policy,
    problems: [],
  };
}
