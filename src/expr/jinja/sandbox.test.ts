// Escape attempts: a template may read the data it is given and nothing else. Each attempt
// must fail with an expression error or render something harmless; afterwards no prototype
// is polluted and no environment variable has leaked into any output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SquallError } from '../../errors.js';
import { compileJinjaTemplate } from './index.js';

const CANARY = 'squall-sandbox-canary-7f3a';
const DATA = () => ({
  d: { x: 1 },
  s: 'text',
  l: [1, 2],
  users: [{ name: 'a' }, { name: 'b' }],
  trigger: { body: { cmd: 'ls' } },
});
const ENV = { kv: (key: string) => (key === 'system.k' ? 'v' : undefined) };

const ATTEMPTS = [
  '{{ range.constructor("return process")() }}',
  "{{ ''.constructor.constructor('return process')() }}",
  '{{ [].__proto__ }}',
  '{% set x = {} %}{{ x.__proto__.polluted }}',
  "{{ ''.__proto__.constructor }}",
  '{{ d.constructor }}',
  "{{ d['constructor']['constructor']('return process.env')() }}",
  "{{ d | attr('constructor') }}",
  "{{ (d | attr('constructor'))('return process')() }}",
  "{{ users | map(attribute='constructor') | list }}",
  "{{ users | map(attribute='constructor.constructor') | list }}",
  "{{ users | map(attribute='__proto__') | list }}",
  '{{ process.env }}',
  '{{ process }}',
  "{{ require('fs') }}",
  "{{ require('child_process').execSync('id') }}",
  '{{ globalThis }}',
  '{{ global.process }}',
  '{{ this }}',
  "{{ Function('return process')() }}",
  '{{ cycler.__init__.__globals__ }}',
  "{{ ''.__class__.__mro__[1].__subclasses__() }}",
  "{% set x = {} %}{% set _ = x.update({'__proto__': {'polluted': 'yes'}}) %}{{ x.polluted }}",
  "{% set x = {'__proto__': {'polluted': 'yes'}} %}{{ x.polluted }}",
  "{% set x = dict(__proto__={'polluted': 'yes'}) %}{{ x.polluted }}",
  "{% set x = {} %}{% set _ = x.setdefault('__proto__', {'polluted': 'yes'}) %}{{ x.polluted }}",
  '{{ {}.toString() }}',
  '{{ d.valueOf() }}',
  '{{ s.constructor.prototype }}',
  '{{ l.map }}',
  "{{ l.map('x') }}",
  '{{ s.charAt(0) }}',
  '{% for x in l %}{{ loop.constructor }}{% endfor %}',
  "{% for x in l %}{{ loop.cycle.constructor('return process')() }}{% endfor %}",
  '{% for k in d %}{{ d[k].constructor }}{% endfor %}',
  '{{ namespace.constructor }}',
  "{% set ns = namespace() %}{% set ns.__proto__ = {'polluted': 1} %}{{ ns.polluted }}",
  '{{ range.call }}',
  '{{ range.apply(none, [1]) }}',
  '{{ range.bind }}',
  '{{ ctx().constructor }}',
  "{{ ctx.constructor('return process')() }}",
  '{{ st2kv.constructor }}',
  "{{ st2kv.system.constructor.constructor('return process')() }}",
  "{{ '' | attr('__proto__') }}",
  "{{ users | sort(attribute='constructor') }}",
  "{{ users | selectattr('constructor') | list }}",
  "{{ d.hasOwnProperty('x') }}",
  '{{ d.__defineGetter__ }}',
  '{{ d.__lookupGetter__ }}',
  "{{ (d.items() | first).constructor }}",
  '{{ l.pop.constructor }}',
  '{{ s.split.call }}',
  "{{ s.split.apply(none, ['x']) }}",
  '{{ lipsum.__globals__ }}',
  '{{ self }}',
  "{{ d.get('constructor') }}",
  "{{ d.get('__proto__') }}",
  "{{ ''.format.__globals__ }}",
  "{{ '{0.constructor}'.format(d) }}",
  "{{ '{0[__proto__]}'.format(d) }}",
  "{{ '{0.constructor.constructor}'.format(s) }}",
  '{{ trigger.body.constructor.name }}',
  "{{ trigger['__proto__']['polluted'] }}",
  "{{ d | dictsort | first | attr('constructor') }}",
  "{{ l | map('constructor') | list }}",
  "{{ l | select('constructor') | list }}",
  "{{ l | map('toString') | list }}",
  "{{ s | regex_replace('t', '$`') }}",
  "{{ (s | from_json_string) }}",
  "{{ '{\"__proto__\": {\"polluted\": 1}}' | from_json_string }}",
  "{{ ('{\"__proto__\": {\"polluted\": 1}}' | from_json_string).polluted }}",
  "{{ 'a: 1\\n__proto__:\\n  polluted: 1' | from_yaml_string }}",
  '{{ zip.constructor }}',
  '{{ json.constructor }}',
  "{{ json('{\"__proto__\": {\"polluted\": 1}}').polluted }}",
  "{% set f = range %}{{ f.constructor('return this')() }}",
  "{% macro m() %}{% endmacro %}{{ m.constructor('return process')() }}",
  "{% set x = [] %}{% set _ = x.append(x) %}{{ x | tojson }}",
  "{{ process.getBuiltinModule('fs').writeFileSync('/tmp/squall-pwned', 'x') }}",
  "{{ range.constructor('return process.getBuiltinModule(\"fs\")')() }}",
  "{{ [].constructor.constructor('return globalThis')() }}",
  "{{ l['constructor']['prototype']['polluted'] }}",
  "{% set p = l.__proto__ %}{% set _ = p.append(1) %}{{ p }}",
  "{% for k, v in {'__proto__': {'polluted': 1}}.items() %}{{ k }}{% endfor %}",
];

function run(template: string): { output?: string; code?: string } {
  try {
    return { output: compileJinjaTemplate(template).render(DATA(), ENV) };
  } catch (err) {
    if (err instanceof SquallError) return { code: err.code };
    throw err;
  }
}

describe('sandbox: templates reach only their data', () => {
  beforeAll(() => {
    process.env.SQUALL_SANDBOX_CANARY = CANARY;
  });
  afterAll(() => {
    delete process.env.SQUALL_SANDBOX_CANARY;
  });

  it.each(ATTEMPTS)('%s', (template) => {
    const r = run(template);
    if (r.code) {
      expect(['EXPR_SYNTAX', 'EXPR_EVAL']).toContain(r.code);
      return;
    }
    // What renders must be plain data or an inert name, never a JS function's source or the runtime.
    expect(r.output).not.toContain(CANARY);
    expect(r.output).not.toMatch(/native code|\[object |process|PATH=|uid=|globalThis|function [A-Z]/);
    expect(r.output).not.toMatch(/^yes$|^1$/);
  });

  it('writes no file through any attempt', async () => {
    for (const t of ATTEMPTS) run(t);
    const { existsSync } = await import('node:fs');
    expect(existsSync('/tmp/squall-pwned')).toBe(false);
  });

  it('leaves every prototype unpolluted after all attempts', () => {
    for (const t of ATTEMPTS) run(t);
    const probe = {} as Record<string, unknown>;
    expect(probe.polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
  });

  it('keeps __proto__ keys as plain data', () => {
    const r = compileJinjaTemplate("{{ {'__proto__': {'polluted': 1}} }}").evaluate({}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.keys(r)).toEqual(['__proto__']);
    const k = compileJinjaTemplate("{{ dict(__proto__={'polluted': 1}) }}").evaluate({}) as Record<string, unknown>;
    expect(Object.keys(k)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(k)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads own keys named like prototype members as data', () => {
    const data = { d: { constructor: 'mine', toString: 'also mine' } };
    expect(compileJinjaTemplate('{{ d.constructor }}/{{ d.toString }}').render(data)).toBe('mine/also mine');
  });

  it('never calls a JavaScript function found in the data', () => {
    let called = false;
    const data = { f: () => { called = true; return 'ran'; } };
    expect(() => compileJinjaTemplate('{{ f() }}').render(data)).toThrow(SquallError);
    expect(called).toBe(false);
  });
});

describe('sandbox: runaway templates stop with EXPR_EVAL', () => {
  const runaway = [
    ['range over the cap', '{{ range(10000000) | length }}'],
    ['string repetition', "{{ 'a' * 100000000 }}"],
    ['list repetition', '{{ [1] * 100000000 }}'],
    ['nested loops', '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}'],
    ['output size', "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}"],
    ['join size', "{{ [('x' * 10000)] * 100000 | join }}"],
    ['center width', "{{ 'x' | center(500000000) }}"],
    ['format width', "{{ '{:>500000000}'.format(1) }}"],
    ['printf width', "{{ '%500000000s' % 'x' }}"],
    ['zfill width', "{{ '1'.zfill(500000000) }}"],
    ['ljust width', "{{ 'a'.ljust(500000000) }}"],
    ['indent width', "{{ 'a\nb' | indent(500000000) }}"],
    ['tojson indent', '{{ [1] | tojson(indent=500000000) }}'],
    ['replace growth', "{{ ('a' * 1000000) | replace('a', 'b' * 100) }}"],
    ['str.replace growth', "{{ ('a' * 1000000).replace('a', 'b' * 100) }}"],
    ['macro recursion', '{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}'],
    ['self-referencing list', '{% set x = [] %}{% set _ = x.append(x) %}{{ x | tojson }}'],
  ] as const;

  // A template that runs away instead of stopping is caught by the test's own timeout.
  it.each(runaway)('%s', (_name, template) => {
    expect(run(template).code).toBe('EXPR_EVAL');
  });
});
