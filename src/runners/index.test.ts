import { describe, expect, it } from 'vitest';
import { builtinRunners } from './index.js';
import { makeAction, makeContext } from './test-helpers.js';

describe('builtinRunners', () => {
  it('has the st2 runner types by name', () => {
    expect([...builtinRunners().keys()].sort()).toEqual(['http-request', 'local-shell-cmd', 'local-shell-script', 'noop', 'remote-shell-cmd', 'remote-shell-script']);
  });

  it('noop succeeds with st2 static result whatever it is given', async () => {
    const noop = builtinRunners().get('noop')!;
    const out = await noop.run(makeContext({ action: makeAction({ runner_type: 'noop' }), parameters: { anything: 1 } }));
    expect(out).toEqual({ status: 'succeeded', result: { failed: false, succeeded: true, return_code: 0 } });
  });
});
