// Secret parameters never leave the server in clear. Every surface that shows an execution's
// parameters (API answers, the stream, the action trigger's payload, rule enforcements)
// shows them through parameterMask: `secret: true` parameters (on the action or its runner)
// as ********, and every datastore secret masked wherever it appears (a rule or workflow may
// have rendered a decrypted key into a parameter not marked secret). The stored execution
// keeps them for the run. The secret fields of an inquiry's response (`secret: true` in its
// schema) are masked too.
import type { ExecutionDeps } from './deps.js';
import type { Execution } from './model.js';
import { maskSecrets, mergeParameterSchemas } from './parameters.js';
import { createRedactor } from './redact.js';
import type { ParameterSchema } from '../packs/index.js';
import type { Tx } from '../store/types.js';
import { maskSecretResponse } from '../inquiries/schema.js';

export type MaskDeps = Pick<ExecutionDeps, 'store' | 'runners' | 'findAction' | 'knownSecrets'>;

/** A copy of the parameters of one execution of `action`, as shown. */
export type ParameterMask = (action: string, parameters: Record<string, unknown>) => Record<string, unknown>;

/** The mask for executions of `actions`, read through `tx` (callers may hold a transaction). */
export async function parameterMask(tx: Tx, deps: MaskDeps, actions: Iterable<string>): Promise<ParameterMask> {
  const schemaOf = new Map<string, ParameterSchema>();
  for (const ref of new Set(actions)) {
    // An action deleted since its executions ran masks nothing it no longer declares.
    const action = await deps.findAction(tx, ref).catch(() => null);
    schemaOf.set(ref, action ? mergeParameterSchemas(deps.runners.get(action.runner_type)?.parameters ?? {}, action.parameters) : {});
  }
  const redactor = createRedactor(deps.knownSecrets ? await deps.knownSecrets(tx) : []);
  return (action, parameters) => redactor.value(maskSecrets(schemaOf.get(action) ?? {}, parameters));
}

/** Copies of the executions as every surface shows them, read through `tx`. */
export async function maskExecutionsIn(tx: Tx, deps: MaskDeps, list: readonly Execution[]): Promise<Execution[]> {
  const mask = await parameterMask(tx, deps, list.map((e) => e.action));
  return list.map((e) => ({ ...e, parameters: mask(e.action, e.parameters), result: maskInquiryResponse(e) }));
}

/** Copies of the executions as every surface shows them. */
export function maskExecutions(deps: MaskDeps, list: readonly Execution[]): Promise<Execution[]> {
  return deps.store.read((tx) => maskExecutionsIn(tx, deps, list));
}

/** An answered inquiry's result with the response values its schema marks `secret: true` masked. */
function maskInquiryResponse(e: Execution): unknown {
  const r = e.result as { schema?: unknown; response?: unknown } | null;
  if (e.runner_type !== 'inquirer' || r === null || typeof r !== 'object' || r.response === undefined) return e.result;
  return { ...r, response: maskSecretResponse(r.schema, r.response) };
}
