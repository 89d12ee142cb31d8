// `squall expr eval` end to end: the built CLI as a child process, offline, no server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { squall as run } from './helpers/cli.js';

// No SQUALL_URL and a fresh SQUALL_HOME: the command must not need a server or a store.
const squall = (...args: string[]) => run(args, { SQUALL_HOME: mkdtempSync(join(tmpdir(), 'squall-expr-')), SQUALL_URL: 'http://127.0.0.1:9' });

describe('squall expr eval', () => {
  it('prints the JSON value of a bare or wrapped expression in either language', async () => {
    const ctx = JSON.stringify({ a: 1, hosts: [{ name: 'x' }, { name: 'y' }] });
    const cases: Array<[string, string, unknown]> = [
      ['jinja', 'ctx().a + 1', 2],
      ['jinja', '{{ hosts | map(attribute="name") | list }}', ['x', 'y']],
      ['jinja', 'n={{ a }}', 'n=1'],
      ['yaql', '$.a + 1', 2],
      ['yaql', '<% $.hosts.select($.name) %>', ['x', 'y']],
    ];
    for (const [lang, expr, value] of cases) {
      const r = await squall('expr', 'eval', '--lang', lang, '--context', ctx, expr);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(value);
    }
  });

  it('takes the language from the delimiters when --lang is absent', async () => {
    const r = await squall('expr', 'eval', '--context', '{"a": [1, 2]}', '<% $.a.len() %>');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toBe(2);
    const bare = await squall('expr', 'eval', 'a + 1');
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/--lang must be yaql or jinja/);
  });

  it('fails with the error, its place named once, and its hint on stderr for a bad expression', async () => {
    const jinja = await squall('expr', 'eval', '--lang', 'jinja', '{{ a + }}');
    expect(jinja.code).toBe(1);
    expect(jinja.stderr).toBe('error: line 1 column 8: unexpected end of template\n  hint: Fix the expression at the position named above.\n');
    const yaql = await squall('expr', 'eval', '--lang', 'yaql', '--context', '{"a": [1]}', '$.a.selec()');
    expect(yaql.code).toBe(1);
    expect(yaql.stderr).toMatch(/^error: position 4: unknown method 'selec'\n  hint: /);
    const json = await squall('expr', 'eval', '--lang', 'yaql', '$.a +', '--json');
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ faultstring: 'position 5: unexpected end of expression', code: 'EXPR_SYNTAX', where: { column: 5 } });
  });

  it('evaluates a batch in order, values and errors side by side', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-batch-'));
    const file = join(dir, 'batch.json');
    writeFileSync(file, JSON.stringify([
      { lang: 'jinja', expr: '{{ x * 2 }}', context: { x: 21 } },
      { lang: 'yaql', expr: '$.x * 2', context: { x: 4 } },
      { lang: 'jinja', expr: 'missing.attr', context: {} },
      { lang: 'cobol', expr: 'x', context: {} },
      { lang: 'yaql', expr: '$.l.where($ > 1)', context: { l: [1, 2, 3] } },
    ]));
    const r = await squall('expr', 'eval', '--batch', file);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Array<{ value?: unknown; error?: string }>;
    expect(out).toHaveLength(5);
    expect(out[0]).toEqual({ value: 42 });
    expect(out[1]).toEqual({ value: 8 });
    expect(out[2]?.error).toMatch(/'missing' is undefined/);
    expect(out[3]?.error).toMatch(/--lang must be yaql or jinja/);
    expect(out[4]).toEqual({ value: [2, 3] });
  });

  it('runs 10,000 expressions in one batch, answering each in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-batch-'));
    const file = join(dir, 'big.json');
    const items = Array.from({ length: 10_000 }, (_, i) => (i % 2
      ? { lang: 'jinja', expr: `{{ ctx().a + ${i} }}`, context: { a: 1 } }
      : { lang: 'yaql', expr: `$.a + ${i}`, context: { a: 1 } }));
    writeFileSync(file, JSON.stringify(items));
    const r = await squall('expr', 'eval', '--batch', file);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Array<{ value: number }>;
    expect(out.map((o) => o.value)).toEqual(items.map((_, i) => i + 1));
  });
});
