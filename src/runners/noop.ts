// st2's `noop` runner (contrib/runners/noop_runner): ignores its input and succeeds.
import type { Runner } from './types.js';

/** `noop`: succeeds at once with st2's static result `{failed: false, succeeded: true, return_code: 0}`. */
export function noopRunner(): Runner {
  return {
    name: 'noop',
    description: 'A runner that returns a static response regardless of input parameters',
    parameters: {},
    async run() {
      return { status: 'succeeded', result: { failed: false, succeeded: true, return_code: 0 } };
    },
  };
}
