import { expect, it } from 'vitest';
import { evaluateExpression } from './index.js';

it('offers StackStorm\'s functions in YAQL with the results Jinja\'s filters give', () => {
  const data = { s: '{"a": [1, 2]}', path: '/var/log/syslog.1', v: '1.2.3' };
  expect(evaluateExpression('yaql', 'from_json_string($.s).a', data)).toEqual([1, 2]);
  expect(evaluateExpression('yaql', 'to_json_string({a => 1})', data)).toBe(evaluateExpression('jinja', "{'a': 1} | to_json_string", data));
  expect(evaluateExpression('yaql', 'basename($.path)', data)).toBe('syslog.1');
  expect(evaluateExpression('yaql', "regex_match($.path, '^/var')", data)).toBe(true);
  expect(evaluateExpression('yaql', "version_more_than($.v, '1.2.0')", data)).toBe(true);
  expect(evaluateExpression('yaql', "version_bump_minor($.v)", data)).toBe('1.3.0');
  expect(() => evaluateExpression('yaql', 'decrypt_kv($.s)', data)).toThrow(/unknown function/);
});
