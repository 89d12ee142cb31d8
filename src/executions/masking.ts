// Secret parameters (`secret: true` on the action or its runner) never leave the server
// in clear: every API answer shows them as ********.
import type { ExecutionDeps } from './deps.js';
import type { Execution } from './model.js';

export const MASK = '********';

/** Copies of the executions with their secret parameter values masked (one action lookup per distinct action). */
export async function maskSecretParameters(deps: Pick<ExecutionDeps, 'store' | 'runners' | 'findAction'>, list: readonly Execution[]): Promise<Execution[]> {
  const secretsOf = new Map<string, string[]>();
  await deps.store.read(async (tx) => {
    for (const ref of new Set(list.map((e) => e.action))) {
      const action = await deps.findAction(tx, ref).catch(() => null);
      if (!action) {
        secretsOf.set(ref, []);
        continue;
      }
      const runnerParams = deps.runners.get(action.runner_type)?.parameters ?? {};
      const all = { ...runnerParams, ...action.parameters };
      secretsOf.set(ref, Object.keys(all).filter((k) => all[k]?.secret === true));
    }
  });
  return list.map((e) => {
    const secrets = secretsOf.get(e.action) ?? [];
    if (!secrets.some((k) => k in e.parameters)) return e;
    const parameters = { ...e.parameters };
    for (const k of secrets) if (k in parameters) parameters[k] = MASK;
    return { ...e, parameters };
  });
}
