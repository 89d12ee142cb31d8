// Rule files: malformed YAML and bad fields come out as file:line with the field.
import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import { checkRuleSpec, compileRule, parseRuleYaml } from './definition.js';

function problemOf(text: string): string {
  try {
    parseRuleYaml('rules/r.yaml', text);
  } catch (err) {
    expect(hasCode(err, 'RULE_INVALID')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected RULE_INVALID');
}

const good = `---
name: restart_on_alert
description: restart a service when monitoring says it is down
enabled: true
trigger:
  type: core.st2.webhook
  parameters:
    url: alerts
criteria:
  trigger.body.status:
    type: equals
    pattern: critical
action:
  ref: core.local
  parameters:
    cmd: "systemctl restart {{ trigger.body.service }}"
`;

describe('rule definitions', () => {
  it('reads an st2 rule; a rule without pack goes to pack default', () => {
    const { spec } = parseRuleYaml('r.yaml', good);
    expect(spec).toMatchObject({ name: 'restart_on_alert', pack: 'default', enabled: true, trigger: { type: 'core.st2.webhook', parameters: { url: 'alerts' } } });
    expect(parseRuleYaml('r.yaml', good, 'examples').spec.pack).toBe('examples');
  });

  it('points at the line of a YAML syntax error', () => {
    expect(problemOf('name: x\ntrigger: {type: core.st2.webhook\naction: {ref: core.noop}\n')).toMatch(/^rules\/r\.yaml:\d+: invalid YAML/);
  });

  it('points at the line of an unknown operator, an invalid regex and an unknown field', () => {
    const text = good.replace('type: equals', 'type: equalz').replace('enabled: true', 'enabled: true\nschedule: daily');
    const msg = problemOf(text);
    expect(msg).toContain('rules/r.yaml:5: schedule is not a known field');
    expect(msg).toContain('rules/r.yaml:12: criteria.trigger.body.status.type unknown operator "equalz"');
    expect(problemOf(good.replace('type: equals\n    pattern: critical', 'type: regex\n    pattern: "(unclosed"'))).toMatch(/^rules\/r\.yaml:12: criteria\.trigger\.body\.status\.pattern invalid regular expression/);
  });

  it('requires trigger.type and action.ref as pack.name refs', () => {
    const { problems } = checkRuleSpec({ name: 'x', trigger: { type: 'webhook' }, action: {} });
    expect(problems.map((p) => p.path.join('.'))).toEqual(['trigger.type', 'action.ref']);
    expect(checkRuleSpec('nope').problems[0]!.message).toMatch(/must be a map/);
  });

  it('compiles the datastore names the templates read', () => {
    const { spec } = parseRuleYaml('r.yaml', good.replace('systemctl restart', '{{ st2kv.system.ssh_user }}@ systemctl restart'));
    const cr = compileRule({ ...spec, id: 'x', ref: 'default.x', trigger_ref: 't', source_file: null, created_at: 0, updated_at: 0 });
    expect(cr.kvNames).toEqual(['system.ssh_user']);
  });
});
