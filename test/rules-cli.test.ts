// `squall rule …`, `squall trigger …`, `squall rule-enforcement …` end to end: the built
// CLI against a real server. Rule files with problems are refused with file:line.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, until, type TestServer } from './helpers/server.js';
import { insertInstance } from '../src/store/events.js';

const cli = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'squall-rule-files-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const ruleYaml = (criteria = '  trigger.body.level:\n    type: greaterthan\n    pattern: 3\n') => `---
name: cli_rule
description: from the CLI
trigger:
  type: core.st2.webhook
  parameters:
    url: cli
criteria:
${criteria}action:
  ref: core.echo
  parameters:
    message: "level {{ trigger.body.level }}"
`;

// The CLI is a client of the API: the API suites cover both backends, so one backend
// here keeps the process-spawning journey short.
describe('squall rule CLI [sqlite]', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await s.stop();
  });
  const server = () => s;
  const sq = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, SQUALL_HOME: server().home }, timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('refuses malformed rule files with file:line and creates nothing', async () => {
    const syntax = await sq('rule', 'create', file('syntax.yaml', 'name: x\ntrigger: {type: core.st2.webhook\n'));
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/syntax\.yaml:\d+: invalid YAML/);
    const op = await sq('rule', 'create', file('op.yaml', ruleYaml('  trigger.body.level:\n    type: biggerthan\n    pattern: 3\n')));
    expect(op.stderr).toContain('op.yaml:10: criteria.trigger.body.level.type unknown operator "biggerthan"');
    const re = await sq('rule', 'create', file('re.yaml', ruleYaml('  trigger.body.msg:\n    type: regex\n    pattern: "a(b"\n')));
    expect(re.stderr).toMatch(/re\.yaml:11: criteria\.trigger\.body\.msg\.pattern invalid regular expression/);
    const tt = await sq('rule', 'create', file('tt.yaml', ruleYaml().replace('core.st2.webhook', 'core.st2.nothing')));
    expect(tt.code).toBe(1);
    expect(tt.stderr).toContain('tt.yaml:5: trigger.type unknown trigger type "core.st2.nothing"');
    expect((await server().call('GET', '/rules/default.cli_rule')).status).toBe(404);
  });

  it('creates, tests, lists, fires, shows enforcements, disables and deletes a rule', async () => {
    const path = file('good.yaml', ruleYaml());
    const created = await sq('rule', 'create', path);
    expect(created.stdout).toBe('created rule default.cli_rule\n');
    const pass = await sq('rule', 'test', path, '--payload', '{"body": {"level": 5}}');
    expect(pass.code).toBe(0);
    expect(pass.stdout).toContain('pass  trigger.body.level greaterthan 3  (value: 5)');
    expect(pass.stdout).toContain('would run core.echo with {"message":"level 5"}');
    const fail = await sq('rule', 'test', 'default.cli_rule', '--payload', '{"body": {"level": 1}}', '--json');
    expect(fail.code).toBe(1);
    expect(JSON.parse(fail.stdout)).toMatchObject({ matched: false, reason: 'trigger.body.level greaterthan 3 failed (value 1)' });
    expect((await sq('rule', 'list', '--json')).stdout).toContain('"ref": "default.cli_rule"');
    expect((await sq('trigger', 'list')).stdout).toMatch(/core\.st2\.webhook\s+An HTTP request/);
    const hook = await server().call('POST', '/webhooks/cli', { level: 9 });
    const listed = await until(async () => {
      const r = await sq('rule-enforcement', 'list', '--rule', 'default.cli_rule', '--json');
      const list = JSON.parse(r.stdout);
      return list.length > 0 && list;
    }, 15_000);
    expect(listed[0]).toMatchObject({ trigger_instance_id: hook.body.id, status: 'succeeded' });
    const replay = await sq('rule', 'replay', 'default.cli_rule', '--since', '1h');
    expect(replay.stdout).toMatch(/^default\.cli_rule: 1 trigger instance\(s\) of core\.st2\.webhook\.\w+ evaluated, 1 matched, 1 would have fired/);
    const reemit = await sq('trigger-instance', 're-emit', hook.body.id);
    expect(reemit.stdout).toMatch(new RegExp(`^re-emitted ${hook.body.id} as [0-9a-f]{24}`));
    expect((await sq('rule', 'disable', 'default.cli_rule')).stdout).toBe('rule default.cli_rule disabled\n');
    expect((await sq('rule', 'update', file('upd.yaml', ruleYaml().replace('from the CLI', 'changed'))))).toMatchObject({ code: 0 });
    expect((await server().call('GET', '/rules/default.cli_rule')).body.description).toBe('changed');
    expect((await sq('rule', 'delete', 'default.cli_rule')).stdout).toBe('deleted rule default.cli_rule\n');
    const gone = await sq('rule', 'get', 'default.cli_rule');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('squall rule list');
  }, 240_000);

  it('purges decided trigger instances and rule enforcements older than an age, keeping undecided instances', async () => {
    const rule = { name: 'purge_rule', trigger: { type: 'core.st2.webhook', parameters: { url: 'purge' } }, action: { ref: 'core.noop' } };
    expect((await server().call('POST', '/rules', rule)).status).toBe(201);
    const hook = await server().call('POST', '/webhooks/purge', { n: 1 });
    const [enf] = await until(async () => {
      const list = (await server().call('GET', `/ruleenforcements?trigger_instance=${hook.body.id}`)).body as Array<{ id: string }>;
      return list.length > 0 && list;
    }, 15_000);
    await until(async () => (await server().call('GET', `/triggerinstances/${hook.body.id}`)).body.status === 'processed');
    // An instance the rules engine has not decided yet (pending, occurred long ago) is never purged.
    const pending = { id: 'ffffffffffffffffffff0001', trigger: 'core.st2.webhook', trigger_type: 'core.st2.webhook', payload: {}, occurrence_time: 1000, status: 'pending' as const, delivery_id: null, trace_tag: null };
    await server().store.tx((tx) => insertInstance(tx, pending, 1000));
    expect((await sq('trigger-instance', 'purge', '--older-than', '1h')).stdout).toBe('deleted 0 trigger instances\n');
    expect((await sq('rule-enforcement', 'purge', '--older-than', '1h', '--json')).stdout).toContain('"deleted": 0');
    await until(async () => Date.now() > Date.parse((await server().call('GET', `/ruleenforcements/${enf!.id}`)).body.enforced_at) + 1);
    const enfPurged = JSON.parse((await sq('rule-enforcement', 'purge', '--older-than', '0s', '--json')).stdout) as { deleted: number };
    expect(enfPurged.deleted).toBeGreaterThanOrEqual(1);
    expect((await server().call('GET', `/ruleenforcements/${enf!.id}`)).status).toBe(404);
    const instPurged = await sq('trigger-instance', 'purge', '--older-than', '0s');
    expect(instPurged.stdout).toMatch(/^deleted [1-9]\d* trigger instances\n$/);
    expect((await server().call('GET', `/triggerinstances/${hook.body.id}`)).status).toBe(404);
    expect((await server().call('GET', `/triggerinstances/${pending.id}`)).body.status).toBe('pending');
    const bad = await sq('trigger-instance', 'purge', '--older-than', 'yesterday');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('expected an age like 30d');
  }, 120_000);
});
