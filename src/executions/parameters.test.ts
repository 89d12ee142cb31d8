import { describe, expect, it } from 'vitest';
import { hasCode, SquallError } from '../errors.js';
import type { ParameterSchema } from '../packs/model.js';
import { builtinRunners } from '../runners/index.js';
import { makeAction } from '../runners/test-helpers.js';
import type { Runner } from '../runners/types.js';
import { maskSecrets, mergeParameterSchemas, resolveParameters } from './parameters.js';

const localCmd = builtinRunners().get('local-shell-cmd')!;
const noop = builtinRunners().get('noop')!;

function problemsOf(fn: () => unknown): SquallError {
  try {
    fn();
  } catch (err) {
    if (hasCode(err, 'PARAMETERS_INVALID')) return err;
    throw err;
  }
  throw new Error('expected PARAMETERS_INVALID');
}

function withParams(parameters: ParameterSchema, runner: Runner = noop) {
  const action = makeAction({ parameters });
  return (given: Record<string, unknown>) => resolveParameters(action, runner, given);
}

describe('resolveParameters', () => {
  it('merges runner parameters under the action and applies defaults', () => {
    const action = makeAction({ parameters: { cmd: { type: 'string', required: true }, timeout: { default: 5 } } });
    expect(resolveParameters(action, localCmd, { cmd: 'true' })).toEqual({ cmd: 'true', kwarg_op: '--', sudo: false, timeout: 5 });
  });

  it('coerces CLI strings to the declared types', () => {
    const resolve = withParams({
      i: { type: 'integer' }, n: { type: 'number' }, b: { type: 'boolean' }, f: { type: 'boolean' },
      a: { type: 'array' }, j: { type: 'array' }, o: { type: 'object' }, s: { type: 'string' },
      ai: { type: 'array', items: { type: 'integer' } },
    });
    expect(resolve({ i: '3', n: '2.5', b: 'true', f: 'False', a: 'x, y,z', j: '[1, "two"]', o: '{"k": [1]}', s: '42', ai: '1,2' }))
      .toEqual({ i: 3, n: 2.5, b: true, f: false, a: ['x', 'y', 'z'], j: [1, 'two'], o: { k: [1] }, s: '42', ai: [1, 2] });
  });

  it('reads objects from the st2 CLI form key1=val1,key2=val2', () => {
    const resolve = withParams({ env: { type: 'object' } });
    expect(resolve({ env: 'A=1,B=x=y' })).toEqual({ env: { A: '1', B: 'x=y' } });
    expect(problemsOf(() => resolve({ env: 'nonsense' })).message).toBe('parameters.env: expected object, got "nonsense"');
  });

  it('keeps values that already have the right type', () => {
    const resolve = withParams({ i: { type: 'integer' }, a: { type: 'array' }, o: { type: 'object' }, any: {} });
    expect(resolve({ i: 7, a: ['a'], o: { x: 1 }, any: { deep: [true] } })).toEqual({ i: 7, a: ['a'], o: { x: 1 }, any: { deep: [true] } });
  });

  it('reports every problem at once, naming each field; the first is the place', () => {
    const resolve = withParams({
      timeout: { type: 'integer' }, name: { type: 'string', required: true }, mode: { type: 'string', enum: ['a', 'b'] },
      flag: { type: 'boolean' }, obj: { type: 'object' }, n: { type: 'number' }, ratio: { type: 'integer' },
    });
    const err = problemsOf(() => resolve({ timeout: 'abc', mode: 'c', flag: 'maybe', obj: '[1]', n: '', ratio: 1.5, extra: 1 }));
    expect(err.where.field).toBe('parameters.extra');
    expect(err.message).toContain('parameters.timeout: expected integer, got "abc"');
    expect(err.message).toContain('parameters.name: is required');
    expect(err.message).toContain('parameters.mode: "c" is not one of "a", "b"');
    expect(err.message).toContain('parameters.flag: expected boolean, got "maybe"');
    expect(err.message).toContain('parameters.obj: expected object, got "[1]"');
    expect(err.message).toContain('parameters.n: expected number, got ""');
    expect(err.message).toContain('parameters.ratio: expected integer, got 1.5');
    expect(err.message).toMatch(/parameters\.extra: unknown parameter \(test\.action takes .*timeout/);
    expect((err.details as unknown[]).length).toBe(8);
  });

  it('rejects a changed immutable value, accepts the default given again', () => {
    const action = makeAction({ parameters: { cmd: { type: 'string', default: 'echo hi', immutable: true }, sudo: { immutable: true } } });
    expect(resolveParameters(action, localCmd, { cmd: 'echo hi', sudo: false })).toMatchObject({ cmd: 'echo hi', sudo: false });
    const err = problemsOf(() => resolveParameters(action, localCmd, { cmd: 'rm -rf /', sudo: 'true' }));
    expect(err.message).toContain('parameters.cmd: is immutable');
    expect(err.message).toContain('parameters.sudo: is immutable');
  });

  it('rejects an immutable parameter without a default when given at all', () => {
    const err = problemsOf(() => withParams({ locked: { type: 'string', immutable: true } })({ locked: 'x' }));
    expect(err.where.field).toBe('parameters.locked');
  });

  it('treats an immutable default as meeting required (core.echo cmd)', () => {
    const action = makeAction({ parameters: { message: { type: 'string', required: true }, cmd: { type: 'string', required: true, default: 'echo "{{message}}"', immutable: true } } });
    expect(resolveParameters(action, localCmd, { message: 'x' })).toMatchObject({ cmd: 'echo "{{message}}"', message: 'x' });
  });

  it('accepts null for an optional parameter and not for a required one', () => {
    const resolve = withParams({ opt: { type: 'string', default: 'd' }, req: { type: 'string', required: true } });
    expect(problemsOf(() => resolve({ opt: null, req: null })).message).toBe('parameters.req: expected string, got null');
    expect(resolve({ opt: null, req: 'x' })).toEqual({ opt: null, req: 'x' });
  });

  it('checks minimum, maximum, length and pattern', () => {
    const resolve = withParams({ n: { type: 'integer', minimum: 1, maximum: 5 }, s: { type: 'string', pattern: '^[a-z]+$', maxLength: 3 } });
    const err = problemsOf(() => resolve({ n: '9', s: 'ABCD' }));
    expect(err.message).toContain('parameters.n: 9 is more than the maximum 5');
    expect(err.message).toContain('parameters.s: longer than 3 characters');
    expect(err.message).toContain('parameters.s: "ABCD" does not match ^[a-z]+$');
    expect(resolve({ n: 1, s: 'ab' })).toEqual({ n: 1, s: 'ab' });
  });

  it('accepts a list of types', () => {
    const resolve = withParams({ v: { type: ['integer', 'string'] as unknown as 'integer' } });
    expect(resolve({ v: '5' })).toEqual({ v: '5' });
    expect(resolve({ v: 5 })).toEqual({ v: 5 });
  });

  it('does not share default objects between executions', () => {
    const resolve = withParams({ o: { type: 'object', default: { a: [1] } } });
    const first = resolve({});
    (first.o as { a: number[] }).a.push(2);
    expect(resolve({})).toEqual({ o: { a: [1] } });
  });
});

describe('mergeParameterSchemas', () => {
  it('overrides runner attributes per key and keeps immutable from either side', () => {
    const merged = mergeParameterSchemas(
      { sudo: { type: 'boolean', default: false, description: 'runner' }, t: { type: 'integer', immutable: true } },
      { sudo: { default: true, immutable: true }, t: { immutable: false, default: 1 } },
    );
    expect(merged.sudo).toEqual({ type: 'boolean', default: true, description: 'runner', immutable: true });
    expect(merged.t).toEqual({ type: 'integer', immutable: true, default: 1 });
  });
});

describe('problems with secret parameters', () => {
  it('never quote the value', () => {
    const run = withParams({ token: { type: 'string', secret: true, pattern: '^tok-' }, pin: { type: 'integer', secret: true } });
    const err = problemsOf(() => run({ token: 'Hunter2-secret', pin: 'Pin-secret-77' }));
    expect(err.message).toMatch(/token.*\*{8} does not match \^tok-/);
    expect(err.message).toMatch(/pin.*got \*{8}/);
    expect(JSON.stringify([err.message, err.details])).not.toMatch(/Hunter2-secret|Pin-secret-77/);
  });
});

describe('maskSecrets', () => {
  it('replaces secret values with ******** and leaves the rest', () => {
    const schema = mergeParameterSchemas(localCmd.parameters, { token: { type: 'string', secret: true } });
    const params = { cmd: 'x', sudo_password: 'pw', token: 't', other: 1 };
    expect(maskSecrets(schema, params)).toEqual({ cmd: 'x', sudo_password: '********', token: '********', other: 1 });
    expect(params.sudo_password).toBe('pw');
  });
});
