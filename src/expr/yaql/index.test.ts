// compileYaql as the rest of Squall uses it: caching, error codes and positions, and the
// functions a workflow host adds (Orquesta's ctx, task, result, item, succeeded, st2kv, zip).
// Plain-yaql values here were checked with python3-yaql 2.0.0; host-function behaviour
// follows Orquesta, where those functions are registered as yaql functions (not methods).
import { describe, expect, it } from 'vitest';
import { SquallError } from '../../errors.js';
import type { EvalEnv, HostFunction } from '../functions.js';
import { compileYaql } from './index.js';

function evaluate(expr: string, data: unknown = null, env?: EvalEnv): unknown {
  return compileYaql(expr).evaluate(data, env);
}

function errorOf(expr: string, data: unknown = null, env?: EvalEnv): SquallError {
  try {
    evaluate(expr, data, env);
  } catch (err) {
    if (err instanceof SquallError) return err;
    throw err;
  }
  throw new Error(`expected ${expr} to fail`);
}

/** A workflow host as the engine sets one up: task results, the current item, the kv store. */
function makeEnv(overrides: Record<string, HostFunction> = {}): EvalEnv {
  const tasks: Record<string, unknown> = { t1: { result: { stdout: 'a\nb', return_code: 0 }, status: 'succeeded' } };
  return {
    functions: {
      task: (_root, args) => tasks[String(args[0])] ?? null,
      result: () => ({ stdout: 'line1\nline2\n', stderr: '', return_code: 0 }),
      item: (_root, args) => (args.length ? { host: 'web1' }[String(args[0])] : { host: 'web1' }),
      succeeded: () => true,
      failed: () => false,
      ...overrides,
    },
    kv: (key, opts) => `${key}${opts.decrypt ? ' (decrypted)' : ''}`,
  };
}

describe('compileYaql', () => {
  it('parses once per source text', () => {
    expect(compileYaql('$.a + 1')).toBe(compileYaql('$.a + 1'));
    expect(compileYaql('$.a + 1')).not.toBe(compileYaql('$.a + 2'));
  });

  it('evaluates against the data given, `$` being the whole of it', () => {
    const c = compileYaql('$.a + 1');
    expect(c.evaluate({ a: 1 })).toBe(2);
    expect(c.evaluate({ a: 41 })).toBe(42);
    expect(evaluate('$')).toBeNull();
    expect(evaluate('$', undefined)).toBeNull();
  });

  it('reports a syntax error with its 0-based position in the message and as the column', () => {
    const err = (() => {
      try {
        compileYaql('$.a + ');
      } catch (e) {
        return e as SquallError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(SquallError);
    expect(err.code).toBe('EXPR_SYNTAX');
    expect(err.message).toBe('position 6: unexpected end of expression');
    expect(err.where.column).toBe(6);
  });

  it.each([
    ['(1', 2],
    ["'open", 0],
    ['1 @ 2', 2],
    ['f(a => 1, 2)', 10],
    ['foo (1)', 4],
    ['', 0],
  ])('%s is a syntax error at position %i', (expr, pos) => {
    expect(() => compileYaql(expr)).toThrow(SquallError);
    try {
      compileYaql(expr);
    } catch (e) {
      expect((e as SquallError).code).toBe('EXPR_SYNTAX');
      expect((e as SquallError).message).toMatch(new RegExp(`^position ${pos}: `));
    }
  });

  it('names an unknown function and where it is called', () => {
    const err = errorOf('selec(1)');
    expect(err.code).toBe('EXPR_EVAL');
    expect(err.message).toBe("position 0: unknown function 'selec'");
    const method = errorOf('$.hosts.selec($.name)', { hosts: [] });
    expect(method.message).toBe("position 8: unknown method 'selec'");
    expect(method.where.column).toBe(8);
  });

  it('names a missing key', () => {
    expect(errorOf('$.hosts.nme', { hosts: [{ name: 'a' }] }).message).toBe("position 8: key 'nme' not found");
  });

  it('explains a method called as a function and the reverse', () => {
    expect(errorOf("toUpper('a')").message).toContain('toUpper() is a method');
    expect(errorOf("'12'.int()").message).toContain('int() is not a method');
  });

  it('turns an overlong value into an evaluation error, not a crash', () => {
    expect(errorOf("'x' * 10000000000").code).toBe('EXPR_EVAL');
    expect(errorOf('range(100000000)').code).toBe('EXPR_EVAL');
  });

  it('rejects nesting deep enough to threaten the stack as a syntax error', () => {
    expect(() => compileYaql('('.repeat(5000) + '1' + ')'.repeat(5000))).toThrow(SquallError);
    expect(() => compileYaql('not '.repeat(5000) + 'true')).toThrow(SquallError);
    const long = Array.from({ length: 20000 }, () => '1').join(' + ');
    let outcome: unknown;
    try {
      outcome = compileYaql(long).evaluate(null);
    } catch (e) {
      outcome = e;
    }
    expect(outcome === 20000 || (outcome instanceof SquallError && outcome.code.startsWith('EXPR_'))).toBe(true);
  });

  it('returns plain JSON values: regexes as their pattern, never internal objects', () => {
    expect(evaluate("regex('a+')")).toBe('a+');
    expect(JSON.stringify(evaluate('[3, 1, 2].orderBy($)'))).toBe('[1,2,3]');
    expect(errorOf('let(x => 1)').code).toBe('EXPR_EVAL');
  });

  it('documents int/float: integral operands divide as Python ints unless the expression is statically a float', () => {
    expect(evaluate('7 / 2')).toBe(3);
    expect(evaluate('7.0 / 2')).toBe(3.5);
    expect(evaluate('float($.n) / 2', { n: 7 })).toBe(3.5);
    expect(evaluate('$.n / 2', { n: 7.5 })).toBe(3.75);
    // JSON cannot say 7.0: a data value 7.0 arrives as 7 and divides as an int (Python: 3.5).
    expect(evaluate('$.n / 2', JSON.parse('{"n": 7.0}'))).toBe(3);
  });
});

describe('Orquesta-style expressions with host functions', () => {
  const ctxData = { hosts: [{ name: 'a', ok: true }, { name: 'b', ok: false }], x: 5, flag: false, k: 'x' };

  it('ctx() is the whole context and ctx(name) one variable, bare names being strings', () => {
    expect(evaluate('ctx().x + 1', ctxData)).toBe(6);
    expect(evaluate("ctx('x')", ctxData)).toBe(5);
    expect(evaluate('ctx(x)', ctxData)).toBe(5);
    expect(evaluate('ctx().hosts.where($.ok).select($.name)', ctxData)).toEqual(['a']);
    expect(evaluate('ctx(hosts).len()', ctxData)).toBe(2);
    expect(errorOf('ctx(missing)', ctxData).message).toContain("variable 'missing' is not defined");
  });

  it('ctx() inside a lambda still sees the root context, not the item', () => {
    expect(evaluate('ctx().hosts.select(ctx().x)', ctxData)).toEqual([5, 5]);
    expect(evaluate('ctx().hosts.select($.name + str(ctx(x)))', ctxData)).toEqual(['a5', 'b5']);
  });

  it('calls the host functions a workflow registers', () => {
    const env = makeEnv();
    expect(evaluate("result().stdout.split('\\n')", {}, env)).toEqual(['line1', 'line2', '']);
    expect(evaluate("task('t1').result.stdout", {}, env)).toBe('a\nb');
    expect(evaluate('task(t1).status', {}, env)).toBe('succeeded');
    expect(evaluate('item()', {}, env)).toEqual({ host: 'web1' });
    expect(evaluate('item(host)', {}, env)).toBe('web1');
    expect(evaluate('succeeded() and not failed()', {}, env)).toBe(true);
    expect(evaluate('len(result().stdout) > 0', {}, env)).toBe(true);
  });

  it('passes `name => value` arguments to host functions as keyword arguments', () => {
    const env = makeEnv();
    expect(evaluate("st2kv('system.token')", {}, env)).toBe('system.token');
    expect(evaluate("st2kv('system.token', decrypt => true)", {}, env)).toBe('system.token (decrypted)');
    // As st2: a name without 'system.' is the user scope; decrypt must be a boolean.
    expect(evaluate("st2kv('x')", {}, env)).toBe('user.x');
    expect(errorOf("st2kv('system.x', decrypt => 'yes')", {}, env).code).toBe('EXPR_EVAL');
    expect(errorOf("st2kv('system.x')", {}).message).toContain('no datastore');
  });

  it("uses Orquesta's zip() (padded like zip_longest) for zip(…) and yaql's for x.zip(…)", () => {
    expect(evaluate('zip([1, 2], [3])')).toEqual([[1, 3], [2, null]]);
    expect(evaluate('zip([1, 2], [3], pad => 0)')).toEqual([[1, 3], [2, 0]]);
    expect(evaluate('[1, 2].zip([3])')).toEqual([[1, 3]]);
  });

  it('json() and yaml() parse text', () => {
    expect(evaluate('json($.s).a', { s: '{"a": [1]}' })).toEqual([1]);
    expect(evaluate("yaml('a: 1').a")).toBe(1);
    expect(errorOf("'{}'.json()").message).toContain('json() is not a method');
  });

  it('a host function shadows the standard library for function-call syntax only', () => {
    const env = makeEnv({ len: () => 'host len' });
    expect(evaluate('len([1])', null, env)).toBe('host len');
    expect(evaluate('[1].len()', null, env)).toBe(1);
  });

  it('wraps a host function failure as an evaluation error keeping the cause', () => {
    const boom = new TypeError('boom');
    const err = errorOf('explode()', null, makeEnv({ explode: () => { throw boom; } }));
    expect(err.code).toBe('EXPR_EVAL');
    expect(err.message).toBe('position 0: explode(): boom');
    expect(err.cause).toBe(boom);
  });

  it.each([
    ["$.hosts.select($.name)", ['a', 'b']],
    ["$.hosts.where($.ok = true).len()", 1],
    ['len($.hosts) > 0', true],
    ['not $.flag', true],
    ["$.get(k, 'default')", 'x'],
    ["$.get(missing, 'default')", 'default'],
    ["'x=' + str($.x)", 'x=5'],
    ["$.hosts.name.join(',')", 'a,b'],
    ["$.x > 3 and $.hosts.any($.ok)", true],
    ['$.hosts.where(not $.ok).first().name', 'b'],
    ["$.hosts.select(dict(host => $.name, up => $.ok))", [{ host: 'a', up: true }, { host: 'b', up: false }]],
  ])('%s', (expr, expected) => {
    expect(evaluate(expr, ctxData)).toEqual(expected);
  });
});
