import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SquallError } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { RunnerRules } from './actions.js';
import { loadPack } from './loader.js';
import type { Problem } from './problems.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'packs');

function makeRules(overrides: Partial<RunnerRules> = {}): RunnerRules {
  return {
    runnerNames: new Set(['local-shell-cmd', 'local-shell-script', 'noop', 'orquesta']),
    entryPointRunners: new Set(['local-shell-script', 'orquesta']),
    ...overrides,
  };
}

async function loadError(dir: string, rules = makeRules()): Promise<SquallError> {
  const err = await loadPack(join(fixtures, dir), rules).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SquallError);
  expect((err as SquallError).code).toBe('PACK_INVALID');
  return err as SquallError;
}

function problemLines(err: SquallError): string[] {
  return err.message.split('\n');
}

describe('loadPack: the good demo pack', () => {
  it('reads pack.yaml, every action and every policy, skipping hidden files (actions/.#hello.yaml)', async () => {
    const { pack, actions, policies } = await loadPack(join(fixtures, 'demo'), makeRules());
    expect(pack).toMatchObject({ name: 'demo', version: '1.0.0', description: 'A pack for the pack loader tests.', path: join(fixtures, 'demo') });
    expect(pack.metadata).toMatchObject({ author: 'Squall tests', email: 'tests@example.com', keywords: ['demo', 'tests'] });
    expect(actions.map((a) => a.ref)).toEqual(['demo.deploy', 'demo.hello', 'demo.restart']);
    const restart = actions.find((a) => a.name === 'restart')!;
    expect(restart).toMatchObject({
      pack: 'demo',
      runner_type: 'local-shell-script',
      entry_point: 'restart.sh',
      description: 'Restart a service.',
      enabled: true, // `enabled: yes`, a YAML 1.1 boolean as PyYAML reads it
    });
    expect(restart.parameters).toEqual({
      service: { type: 'string', description: 'Service to restart.', required: true, position: 0 },
      timeout: { type: 'integer', default: 60 },
      mode: { type: 'string', enum: ['soft', 'hard'], default: 'soft' },
      password: { type: 'string', secret: true },
      sudo: { immutable: true, default: false, type: 'boolean' },
      port: { type: 'integer', default: '{{ config_context.port }}' },
    });
    expect(restart.metadata.tags).toEqual([{ name: 'team', value: 'ops' }]);
    const hello = actions.find((a) => a.name === 'hello')!;
    expect(hello).toMatchObject({ entry_point: '', description: '', enabled: true, parameters: { cmd: { default: 'echo hello' } } });
    expect(actions.find((a) => a.name === 'deploy')).toMatchObject({ runner_type: 'orquesta', entry_point: 'workflows/deploy.yaml', enabled: false });
  });

  it('fills in st2 defaults of policy parameters', async () => {
    const { policies } = await loadPack(join(fixtures, 'demo'), makeRules());
    expect(policies).toEqual([
      { ref: 'demo.hello.attr', pack: 'demo', name: 'hello.attr', resource_ref: 'demo.hello', policy_type: 'action.concurrency.attr', enabled: true, parameters: { threshold: 2, action: 'cancel', attributes: ['cmd'] } },
      { ref: 'demo.restart.concurrency', pack: 'demo', name: 'restart.concurrency', resource_ref: 'demo.restart', policy_type: 'action.concurrency', enabled: true, parameters: { threshold: 1, action: 'delay' } },
      { ref: 'demo.restart.retry', pack: 'demo', name: 'restart.retry', resource_ref: 'demo.restart', policy_type: 'action.retry', enabled: false, parameters: { retry_on: 'timeout', max_retry_count: 2, delay: 0 } },
    ]);
  });

  it('hands entry points to the runner type\'s validator with their absolute path', async () => {
    const seen: string[] = [];
    await loadPack(join(fixtures, 'demo'), makeRules({
      validateEntryPoint: { orquesta: async (action, path) => { seen.push(`${action.ref} ${path}`); return []; } },
    }));
    expect(seen).toEqual([`demo.deploy ${join(fixtures, 'demo', 'actions', 'workflows', 'deploy.yaml')}`]);
  });
});

describe('loadPack: pack.yaml', () => {
  it('uses ref as the pack name when given, and reads "0.3" as 0.3.0; no actions/ is fine', async () => {
    const { pack, actions, policies } = await loadPack(join(fixtures, 'named_ref'), makeRules());
    expect(pack).toMatchObject({ name: 'my_pack', version: '0.3.0', metadata: { name: 'My Pack', ref: 'my_pack' } });
    expect(actions).toEqual([]);
    expect(policies).toEqual([]);
  });
});

describe('loadPack: broken packs name the file, the line and the field', () => {
  it('a parameter type st2 does not know', async () => {
    const err = await loadError('broken/param-type');
    expect(err.message).toBe(
      'actions/restart.yaml:13: parameters.timeout.type must be one of string, integer, number, boolean, array, object, null (got "int")',
    );
    expect(err.where).toEqual({ file: 'actions/restart.yaml', line: 13, field: 'parameters.timeout.type' });
    expect((err.details as { problems: Problem[] }).problems).toHaveLength(1);
  });

  it('a YAML syntax error, and the pack\'s good files are not enough to pass', async () => {
    const err = await loadError('broken/yaml-syntax');
    expect(err.where.file).toBe('actions/bad.yaml');
    expect(err.where.line).toBe(6);
    expect(err.message).toMatch(/^actions\/bad\.yaml:6: invalid YAML: /);
  });

  it('an unknown runner type, listing the known ones', async () => {
    const err = await loadError('broken/unknown-runner');
    expect(err.message).toBe('actions/go.yaml:3: runner_type must be one of local-shell-cmd, local-shell-script, noop, orquesta (got "local-shell-cmdd")');
  });

  it('an entry point file that does not exist', async () => {
    const err = await loadError('broken/missing-entry-point');
    expect(err.message).toBe('actions/script.yaml:3: entry_point names no file: actions/nothere.sh does not exist');
    expect(err.where).toEqual({ file: 'actions/script.yaml', line: 3, field: 'entry_point' });
  });

  it('an entry point outside the pack', async () => {
    const err = await loadError('broken/entry-escape');
    expect(err.message).toBe('actions/script.yaml:3: entry_point must stay inside the pack (got "../../../../etc/passwd")');
  });

  it('an entry point is not needed by runners outside the caller\'s list', async () => {
    const { actions } = await loadPack(join(fixtures, 'broken/missing-entry-point'), makeRules({ entryPointRunners: new Set() }));
    expect(actions[0]!.entry_point).toBe('nothere.sh');
  });

  it('two actions with the same name', async () => {
    const err = await loadError('broken/duplicate-action');
    expect(err.message).toBe('actions/b.yaml:2: name "same" is already used by actions/a.yaml');
  });

  it('a pack name that is not a valid ref', async () => {
    const err = await loadError('broken/pack-name');
    expect(err.message).toBe('pack.yaml:2: name is not a valid pack ref (lower-case letters, digits and _ only; got "My Pack"): set ref');
  });

  it('a version that is not semver', async () => {
    const err = await loadError('broken/pack-version');
    expect(err.where).toEqual({ file: 'pack.yaml', line: 4, field: 'version' });
    expect(err.message).toMatch(/^pack\.yaml:4: version must match .* \(got "one"\)$/);
  });

  it('bad policies: every problem listed, one a line, in file order', async () => {
    const err = await loadError('broken/policy');
    expect(problemLines(err)).toEqual([
      'policies/a.concurrency.yaml:3: policy_type must be one of action.concurrency, action.concurrency.attr, action.retry (got "action.concurency")',
      'policies/a.retry.yaml:7: parameters.dealy is not a known field (known: retry_on, max_retry_count, delay)',
    ]);
    expect(err.where).toEqual({ file: 'policies/a.concurrency.yaml', line: 3, field: 'policy_type' });
  });

  it('a key st2 does not allow in action metadata, and the missing runner_type', async () => {
    const err = await loadError('broken/unknown-field');
    const lines = problemLines(err);
    expect(lines).toHaveLength(2);
    expect(lines).toContain('actions/a.yaml:1: runner_type is required');
    expect(lines.find((l) => l.startsWith('actions/a.yaml:3: runner is not a known field (known: name, runner_type,'))).toBeDefined();
  });

  it('defaults that contradict their parameter, and a position used twice', async () => {
    const err = await loadError('broken/default-type');
    expect(problemLines(err)).toEqual([
      'actions/a.yaml:6: parameters.count.default must be integer like the parameter (got "abc")',
      'actions/a.yaml:10: parameters.level.default must be one of "low", "high" (got "medium")',
      'actions/a.yaml:16: parameters.second.position 0 is already taken by parameter first',
    ]);
  });

  it('a parameter name st2 does not allow', async () => {
    const err = await loadError('broken/param-name');
    expect(err.message).toBe('actions/a.yaml:6: parameters.bad-name is not a valid name: must match ^\\w+$');
  });

  it('a workflow the runner\'s validator rejects rejects the pack', async () => {
    const rules = makeRules({
      validateEntryPoint: {
        orquesta: async () => [
          { line: 6, column: 13, field: 'tasks.task1.next[0].do', message: 'names an undefined task "missing_task"' },
          { line: 2, message: 'a second problem' },
        ],
      },
    });
    const err = await loadError('broken/workflow', rules);
    expect(problemLines(err)).toEqual([
      'actions/workflows/flow.yaml:6:13: tasks.task1.next[0].do names an undefined task "missing_task"',
      'actions/workflows/flow.yaml:2: a second problem',
    ]);
    expect(err.where).toEqual({ file: 'actions/workflows/flow.yaml', line: 6, column: 13, field: 'tasks.task1.next[0].do' });
  });

  it('a directory without pack.yaml', async () => {
    const err = await loadError('broken/no-pack-yaml');
    expect(err.where.file).toBe('pack.yaml');
    expect(err.message).toMatch(/^pack\.yaml: cannot be read in .*no-pack-yaml: ENOENT/);
  });

  it('a metadata file that is not a mapping', async () => {
    const err = await loadError('broken/not-a-map');
    expect(err.message).toBe('actions/list.yaml:1: must hold a YAML mapping (got ["just a list"])');
  });
});
