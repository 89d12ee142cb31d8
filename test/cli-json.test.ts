// Every `squall` command with --json prints exactly one JSON document on stdout and nothing on
// stderr: its result, or its error as {faultstring, code, hint}, with a non-zero exit code.
// The built CLI against a real server. What is printed does not depend on the store, so one
// backend is enough here (the API suites run both).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS } from '../src/cli/groups.js';
import { squall } from './helpers/cli.js';
import { startTestServer, until, type TestServer } from './helpers/server.js';

type Json = any;
const root = join(import.meta.dirname, '..');
const fixtures = join(import.meta.dirname, 'fixtures', 'packs');

// Commands without --json, and why.
const WITHOUT_JSON: Record<string, string> = {
  server: 'runs a node until it is stopped; it prints logs, not a result',
  'key load': 'owned by the bulk-load change to key.ts, not touched here',
};

/** Every runnable command of the CLI by its full name ("rule-enforcement purge"), with its options. */
async function leafCommands(): Promise<Map<string, Command>> {
  const program = new Command('squall');
  for (const g of GROUPS) (await g.load())(program);
  const out = new Map<string, Command>();
  const walk = (c: Command, prefix: string) => {
    for (const sub of c.commands) {
      const name = `${prefix}${sub.name()}`;
      if (sub.commands.length) walk(sub, `${name} `);
      else out.set(name, sub);
    }
  };
  walk(program, '');
  return out;
}

it('registers --json on every command', async () => {
  const missing = [...await leafCommands()].filter(([name, c]) => !(name in WITHOUT_JSON) && !c.options.some((o) => o.long === '--json'));
  expect(missing.map(([name]) => name)).toEqual([]);
});

interface Step {
  /** The command's full name; args follow it. */
  command: string;
  args?: (v: Vars) => string[];
  /** The error code expected instead of a result. */
  fault?: string;
  /** Waits for what the command needs (a running workflow, a pending inquiry…). */
  before?: (v: Vars) => Promise<void>;
  /** Keeps values from the result for later steps. */
  keep?: (doc: Json, v: Vars) => void;
}
type Vars = Record<string, string>;

describe('squall … --json [sqlite]', () => {
  let s: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'squall-cli-json-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const status = async (id: string) => (await s.call('GET', `/executions/${id}`)).body.status as string;
  const reaches = (key: string, wanted: string) => async (v: Vars) => void await until(async () => (await status(v[key]!)) === wanted, 30_000, `${key} ${wanted}`);

  beforeAll(async () => {
    // No sensors role: `sensor enable` then only marks the sensor, and no broker is dialled.
    s = await startTestServer('sqlite', { roles: ['api', 'scheduler', 'workflow', 'rules', 'timers'] });
    for (const pack of [join(fixtures, 'wf_demo'), join(root, 'packs', 'examples')]) {
      expect((await s.call('POST', '/packs/register', { path: pack })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const rule = (description: string) => file('rule.yaml', [
    'name: json_rule', 'pack: default', `description: ${description}`,
    'trigger:', '  type: core.st2.webhook', '  parameters:', '    url: json-test', 'action:', '  ref: core.noop', '',
  ].join('\n'));
  const password = 'correct horse';
  const steps: Step[] = [
    { command: 'status' },
    { command: 'pack register', args: () => [join(fixtures, 'policies_demo')] },
    { command: 'pack list' },
    { command: 'pack get', args: () => ['policies_demo'] },
    { command: 'pack install', args: () => ['no_such_pack'], fault: 'PACK_NOT_FOUND' },
    { command: 'action list', args: () => ['--pack', 'core'] },
    { command: 'action get', args: () => ['core.noop'] },
    { command: 'runner list' },
    { command: 'run', args: () => ['core.noop'], keep: (e, v) => (v.run = e.id) },
    { command: 'run', args: () => ['core.no_such_action'], fault: 'ACTION_NOT_FOUND' },
    { command: 'run', args: () => ['core.local', 'cmd=true', 'timeout=abc'], fault: 'PARAMETERS_INVALID' },
    { command: 'run', args: () => [], fault: 'USAGE_INVALID' },
    { command: 'action execute', args: () => ['core.noop'] },
    { command: 'execution list', args: () => ['-n', '5'] },
    { command: 'execution get', args: (v) => [v.run!] },
    { command: 'execution re-run', args: (v) => [v.run!] },
    { command: 'execution tail', args: (v) => [v.run!] },
    { command: 'run', args: () => ['core.local', 'cmd=sleep 30', '--async'], keep: (e, v) => (v.sleep = e.id) },
    { command: 'execution cancel', args: (v) => [v.sleep!] },
    { command: 'run', args: () => ['wf_demo.sleepy', '--async'], keep: (e, v) => (v.wf = e.id) },
    { command: 'execution pause', args: (v) => [v.wf!], before: reaches('wf', 'running') },
    { command: 'execution resume', args: (v) => [v.wf!], before: reaches('wf', 'paused') },
    { command: 'purge', args: () => ['--older-than', '30d'] },
    { command: 'workflow inspect', args: () => [join(fixtures, '..', 'workflows', 'orquesta-basic.yaml')] },
    { command: 'workflow run', args: () => [join(fixtures, '..', 'workflows', 'orquesta-basic.yaml'), '--input', '{"cmd": "echo hi", "timeout": 10}'] },
    { command: 'expr eval', args: () => ['--lang', 'yaql', '1 + 1'] },
    { command: 'expr eval', args: () => ['--lang', 'yaql', '$.a +'], fault: 'EXPR_SYNTAX' },
    { command: 'key set', args: () => ['json_key', 'v1'] },
    { command: 'key get', args: () => ['json_key'] },
    { command: 'key list', args: () => ['--prefix', 'json_'] },
    { command: 'key export', args: () => ['--prefix', 'json_'] },
    { command: 'key rotate' },
    { command: 'key delete', args: () => ['json_key'] },
    { command: 'user create', args: () => ['json_user', '--password', password] },
    { command: 'user list' },
    { command: 'login', args: () => ['json_user', '--password', 'not the password'], fault: 'UNAUTHORIZED' },
    { command: 'login', args: () => ['json_user', '--password', password] },
    { command: 'whoami' },
    { command: 'logout' },
    { command: 'user password', args: () => ['json_user', '--password', 'battery staple'] },
    { command: 'apikey create', args: () => ['--user', 'json_user'], keep: (k, v) => (v.apikey = k.id) },
    { command: 'apikey list', args: () => ['--user', '*'] },
    { command: 'apikey get', args: (v) => [v.apikey!] },
    { command: 'apikey disable', args: (v) => [v.apikey!] },
    { command: 'apikey enable', args: (v) => [v.apikey!] },
    { command: 'apikey delete', args: (v) => [v.apikey!] },
    { command: 'role set', args: () => [file('role.yaml', 'name: json_role\npermission_grants:\n  - permission_types: [action:list]\n')] },
    { command: 'role list' },
    { command: 'role get', args: () => ['json_role'] },
    { command: 'role assign', args: () => ['json_user', 'json_role'] },
    { command: 'role assignments', args: () => ['--user', 'json_user'] },
    { command: 'role unassign', args: () => ['json_user', 'json_role'] },
    { command: 'role delete', args: () => ['json_role'] },
    { command: 'role reload' },
    { command: 'user delete', args: () => ['json_user'] },
    { command: 'audit list', args: () => ['-n', '5'] },
    { command: 'trigger list' },
    { command: 'trigger get', args: () => ['core.st2.webhook'] },
    { command: 'rule create', args: () => [rule('first')] },
    { command: 'rule list' },
    { command: 'rule get', args: () => ['default.json_rule'] },
    { command: 'rule update', args: () => [rule('second')] },
    { command: 'rule disable', args: () => ['default.json_rule'] },
    { command: 'rule enable', args: () => ['default.json_rule'] },
    { command: 'rule test', args: () => ['default.json_rule', '--payload', '{"body": {}}'] },
    { command: 'webhook list' },
    {
      command: 'trigger-instance list',
      before: async () => void expect((await s.call('POST', '/webhooks/json-test', { n: 1 })).status).toBe(202),
      keep: (list, v) => (v.instance = list[0].id),
    },
    { command: 'trigger-instance get', args: (v) => [v.instance!] },
    { command: 'trigger-instance re-emit', args: (v) => [v.instance!] },
    { command: 'trigger-instance purge', args: () => ['--older-than', '30d'] },
    { command: 'rule replay', args: () => ['default.json_rule', '--since', '1h'] },
    {
      command: 'rule-enforcement list',
      before: async () => void await until(async () => (await s.call('GET', '/ruleenforcements?rule=default.json_rule')).body.length > 0, 10_000, 'an enforcement'),
      keep: (list, v) => (v.enforcement = list[0].id),
    },
    { command: 'rule-enforcement get', args: (v) => [v.enforcement!] },
    { command: 'rule-enforcement purge', args: () => ['--older-than', '30d'] },
    { command: 'rule delete', args: () => ['default.json_rule'] },
    { command: 'rule get', args: () => ['default.json_rule'], fault: 'RULE_NOT_FOUND' },
    { command: 'sensor list', args: () => ['--pack', 'examples'] },
    { command: 'sensor get', args: () => ['examples.buttons'] },
    { command: 'sensor enable', args: () => ['examples.buttons'] },
    { command: 'sensor disable', args: () => ['examples.buttons'] },
    { command: 'run', args: () => ['wf_demo.approve', '--async'], keep: (e, v) => (v.approve = e.id) },
    {
      command: 'inquiry list',
      before: async (v) => void await until(async () => (await s.call('GET', `/executions?parent=${v.approve}&action=core.ask&status=pending`)).body.length > 0, 30_000, 'the inquiry'),
      keep: (list, v) => (v.inquiry = list[0].id),
    },
    { command: 'inquiry get', args: (v) => [v.inquiry!] },
    { command: 'inquiry respond', args: (v) => [v.inquiry!, '-r', '{"approved": true, "version": "1"}'] },
    { command: 'pack remove', args: () => ['policies_demo'] },
  ];

  it('has a step for every command that takes --json', async () => {
    const covered = new Set(steps.map((step) => step.command));
    expect([...(await leafCommands()).keys()].filter((name) => !(name in WITHOUT_JSON) && !covered.has(name))).toEqual([]);
  });

  const vars: Vars = {};
  it.each(steps.map((step) => [step.command, step] as const))('%s --json', async (_name, step) => {
    await step.before?.(vars);
    const args = [...step.command.split(' '), ...(step.args?.(vars) ?? []), '--json'];
    const r = await squall(args, { SQUALL_HOME: s.home });
    expect(r.stderr, args.join(' ')).toBe('');
    const doc = JSON.parse(r.stdout) as Json;
    if (step.fault) {
      expect(r.code).toBe(1);
      expect(doc).toMatchObject({ faultstring: expect.any(String), code: step.fault, hint: expect.any(String) });
    } else {
      expect(r.code, r.stdout).toBe(0);
      expect(doc).not.toHaveProperty('faultstring');
      step.keep?.(doc, vars);
    }
  }, 60_000);
});
