import { describe, expect, it } from 'vitest';
import { hasCode } from '../../errors.js';
import { templateNames } from '../index.js';

const names = (source: string) => [...templateNames(source)].sort();

describe('templateNames (Jinja2 meta.find_undeclared_variables)', () => {
  it('lists the data variables read, through attributes, items, filters, tests and calls', () => {
    // h is a keyword argument's name, not a variable.
    expect(names('{{ a.b[c] | default(d) }} {{ e is divisibleby(f) }} {{ g(h=i) }} {{ j if k else l }}')).toEqual(['a', 'c', 'd', 'e', 'f', 'g', 'i', 'j', 'k', 'l']);
  });

  it('leaves out what the template binds and the globals', () => {
    expect(names('{% set x = base %}{% for item in items if item != skip %}{{ x }}{{ item }}{{ loop.index }}{% endfor %}')).toEqual(['base', 'items', 'skip']);
    expect(names('{% macro m(p, q=dflt) %}{{ p }}{{ q }}{{ outer }}{% endmacro %}{{ m(1) }}')).toEqual(['dflt', 'outer']);
    expect(names("{{ st2kv.system.x }} {{ range(3) | list }} {{ json(s) }} {{ namespace(a=1) }}")).toEqual(['s']);
  });

  it('throws EXPR_SYNTAX for what does not parse', () => {
    let err: unknown;
    try {
      templateNames("docker ps --format '{{.Names}}'");
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'EXPR_SYNTAX')).toBe(true);
  });
});
