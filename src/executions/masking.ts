// Secret parameters (`secret: true` on the action or its runner) never leave the server
// in clear: every API answer shows them as ********, and so are the secret fields of an
// inquiry's response (`secret: true` in its schema).
import type { ExecutionDeps } from './deps.js';
import type { Execution } from './model.js';
import { maskSecrets, mergeParameterSchemas } from './parameters.js';
import type { ParameterSchema } from '../packs/index.js';
import { maskSecretResponse } from '../inquiries/schema.js';

/** Copies of the executions with their secret parameter values masked (one action lookup per distinct action). */
export async function maskSecretParameters(deps: Pick<ExecutionDeps, 'store' | 'runners' | 'findAction'>, list: readonly Execution[]): Promise<Execution[]> {
  const schemaOf = new Map<string, ParameterSchema>();
  await deps.store.read(async (tx) => {
    for (const ref of new Set(list.map((e) => e.action))) {
      // An action deleted since its executions ran masks nothing it no longer declares.
      const action = await deps.findAction(tx, ref).catch(() => null);
      schemaOf.set(ref, action ? mergeParameterSchemas(deps.runners.get(action.runner_type)?.parameters ?? {}, action.parameters) : {});
    }
  });
  return list.map((e) => ({ ...e, parameters: maskSecrets(schemaOf.get(e.action)!, e.parameters), result: maskInquiryResponse(e) }));
}

/** An answered inquiry's result with the response values its schema marks `secret: true` masked. */
function maskInquiryResponse(e: Execution): unknown {
  const r = e.result as { schema?: unknown; response?: unknown } | null;
  if (e.runner_type !== 'inquirer' || r === null || typeof r !== 'object' || r.response === undefined) return e.result;
  return { ...r, response: maskSecretResponse(r.schema, r.response) };
}
