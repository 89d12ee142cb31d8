// Secret parameters (`secret: true` on the action or its runner) never leave the server
// in clear: every API answer shows them as ********.
import type { ExecutionDeps } from './deps.js';
import type { Execution } from './model.js';
import { maskSecrets, mergeParameterSchemas } from './parameters.js';
import type { ParameterSchema } from '../packs/index.js';

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
  return list.map((e) => ({ ...e, parameters: maskSecrets(schemaOf.get(e.action)!, e.parameters) }));
}
