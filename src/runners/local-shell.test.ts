import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveParameters } from '../executions/parameters.js';
import type { Action } from '../packs/model.js';
import { builtinRunners } from './index.js';
import { isAlive, makeAction, makeContext, until } from './test-helpers.js';

const cmdRunner = builtinRunners().get('local-shell-cmd')!;
const scriptRunner = builtinRunners().get('local-shell-script')!;
const CORE = path.resolve(import.meta.dirname, '../../packs/core');

function coreAction(name: string): Action {
  const meta = parseYaml(readFileSync(path.join(CORE, 'actions', `${name}.yaml`), 'utf8')) as Action;
  return makeAction({ pack: 'core', name, runner_type: meta.runner_type, entry_point: meta.entry_point, parameters: meta.parameters });
}

function runCmd(parameters: Record<string, unknown>, action = makeAction()) {
  const ctx = makeContext({ action, parameters: resolveParameters(action, cmdRunner, parameters) });
  return { ctx, done: cmdRunner.run(ctx) };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'squall-local-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local-shell-cmd', () => {
  it('returns st2 result shape with the trailing newline stripped', async () => {
    const out = await runCmd({ cmd: 'echo hello; echo warn >&2' }).done;
    expect(out).toEqual({ status: 'succeeded', result: { failed: false, succeeded: true, return_code: 0, stdout: 'hello', stderr: 'warn' } });
  });

  it('parses stdout that is JSON, as st2 does', async () => {
    const out = await runCmd({ cmd: `echo '{"a": [1, 2]}'` }).done;
    expect((out.result as { stdout: unknown }).stdout).toEqual({ a: [1, 2] });
  });

  it('ends failed on a non-zero exit code', async () => {
    const out = await runCmd({ cmd: 'echo partial; exit 2' }).done;
    expect(out).toEqual({ status: 'failed', result: { failed: true, succeeded: false, return_code: 2, stdout: 'partial', stderr: '' } });
  });

  it('streams output lines while running', async () => {
    const { ctx, done } = runCmd({ cmd: 'echo one; echo two >&2; echo three' });
    await done;
    expect(ctx.lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['one', 'three']);
    expect(ctx.lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['two']);
  });

  it('times out with st2 return code -9 and kills the children', async () => {
    const pidFile = path.join(dir, 'pid');
    const out = await runCmd({ cmd: `sleep 30 & echo $! > ${pidFile}; wait`, timeout: 1 }).done;
    expect(out.status).toBe('timeout');
    expect(out.result).toMatchObject({ return_code: -9, succeeded: false, failed: true, error: 'Action failed to complete in 1 seconds' });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await until(() => !isAlive(pid), 3_000);
  });

  it('is canceled through the signal', async () => {
    const { ctx, done } = runCmd({ cmd: 'echo started; sleep 30' });
    await until(() => ctx.lines.length > 0, 5_000);
    ctx.abort.abort();
    const out = await done;
    expect(out.status).toBe('canceled');
  });

  it('passes env and cwd, and st2 ST2_ACTION_* variables', async () => {
    const action = makeAction({ pack: 'mypack' });
    const out = await runCmd({ cmd: 'echo "$GREETING $(pwd) $ST2_ACTION_PACK_NAME $ST2_ACTION_EXECUTION_ID"', env: { GREETING: 'hi there' }, cwd: dir }, action).done;
    expect((out.result as { stdout: unknown }).stdout).toBe(`hi there ${dir} mypack ex-test`);
  });

  it('runs sudo commands as they are when Squall is root', async () => {
    const out = await runCmd({ cmd: 'id -u' }, coreAction('local_sudo')).done;
    if (process.getuid?.() === 0) expect(out).toMatchObject({ status: 'succeeded', result: { stdout: 0 } });
    else expect(out.status).not.toBe('succeeded');
  });

  it('core.echo prints any message literally and never runs it', async () => {
    const marker = path.join(dir, 'pwned');
    // Each starts with "m:" so stdout is not JSON (st2 would return a JSON stdout parsed).
    for (const message of [`m:"; touch ${marker}; echo "`, `m:$(touch ${marker})`, 'm:`touch ' + marker + '`', `m:it's "quoted" \\ $HOME\nline 2`]) {
      const out = await runCmd({ message }, coreAction('echo')).done;
      expect(out.status).toBe('succeeded');
      expect((out.result as { stdout: unknown }).stdout).toBe(message);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('renders cmd templates with the expression engine (filters, numbers, booleans), each value quoted', async () => {
    const action = makeAction({ parameters: { name: { type: 'string' }, count: { type: 'integer' }, flag: { type: 'boolean' } } });
    const out = await runCmd({ cmd: 'printf "%s|" {{ name | upper }} "{{ count + 1 }}" {{ flag }}', name: 'a b;c', count: '2', flag: 'true' }, action).done;
    expect((out.result as { stdout: unknown }).stdout).toBe('A B;C|3|True|');
  });

  it('core.local runs its cmd through bash', async () => {
    const out = await runCmd({ cmd: 'for i in 1 2; do echo -n $i; done' }, coreAction('local')).done;
    expect((out.result as { stdout: unknown }).stdout).toBe(12);
  });

  it('refuses a cmd template it cannot quote safely, without running anything', async () => {
    const marker = path.join(dir, 'ran');
    const action = makeAction({ parameters: { v: { type: 'string' } } });
    const out = await runCmd({ cmd: `touch ${marker}; echo \`echo {{ v }}\``, v: 'x' }, action).done;
    expect(out.status).toBe('failed');
    expect((out.result as { error: string }).error).toMatch(/backticks/);
    expect(existsSync(marker)).toBe(false);
  });
});

async function writeScript(name: string, body: string, mode = 0o755): Promise<void> {
  await mkdir(path.join(dir, 'actions'), { recursive: true });
  const file = path.join(dir, 'actions', name);
  await writeFile(file, body);
  await chmod(file, mode);
}

function runScript(action: Action, parameters: Record<string, unknown>) {
  const ctx = makeContext({ action, packDir: dir, parameters: resolveParameters(action, scriptRunner, parameters) });
  return { ctx, done: scriptRunner.run(ctx) };
}

const argsScript = '#!/usr/bin/env bash\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n';

describe('local-shell-script', () => {
  it('passes named args first (--key=value, true as a bare flag), then positional ones in order', async () => {
    await writeScript('args.sh', argsScript);
    const action = makeAction({
      runner_type: 'local-shell-script',
      entry_point: 'args.sh',
      parameters: {
        second: { type: 'string', position: 1 },
        first: { type: 'integer', position: 0 },
        list: { type: 'array', position: 2 },
        name: { type: 'string' },
        verbose: { type: 'boolean' },
        quiet: { type: 'boolean', default: false },
        empty: { type: 'string' },
      },
    });
    const out = await runScript(action, { first: '7', second: '$(touch x); a b', list: 'a,b', name: "o'brien \"x\"", verbose: 'true', empty: '' }).done;
    expect(out.status).toBe('succeeded');
    expect((out.result as { stdout: string }).stdout).toBe(`[--name=o'brien "x"]\n[--verbose]\n[7]\n[$(touch x); a b]\n[a,b]`);
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('uses kwarg_op for named args', async () => {
    await writeScript('args.sh', argsScript);
    const action = makeAction({ runner_type: 'local-shell-script', entry_point: 'args.sh', parameters: { n: { type: 'integer' } } });
    const out = await runScript(action, { n: 3, kwarg_op: '-' }).done;
    expect((out.result as { stdout: unknown }).stdout).toBe('[-n=3]');
  });

  it('keeps secrets out of argv (ps shows argv) and passes them in the environment', async () => {
    const pidFile = path.join(dir, 'pid');
    const go = path.join(dir, 'go');
    await writeScript('secret.sh', `#!/bin/bash\necho $$ > ${pidFile}\nwhile [ ! -e ${go} ]; do sleep 0.05; done\necho "$ST2_ACTION_PARAM_PASSWORD"\n`);
    const action = makeAction({
      runner_type: 'local-shell-script',
      entry_point: 'secret.sh',
      parameters: { user: { type: 'string' }, password: { type: 'string', secret: true }, token: { type: 'string', secret: true, position: 0 } },
    });
    const { done } = runScript(action, { user: 'bob', password: 'hunter2-s3cret', token: 'tok-s3cret' });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 5_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    await writeFile(go, '');
    const out = await done;
    expect(argv.join(' ')).not.toMatch(/s3cret/);
    expect(argv).toContain('--user=bob');
    expect(argv.at(-2)).toBe(''); // the secret positional keeps its slot, empty
    expect(environ).toContain('ST2_ACTION_PARAM_PASSWORD=hunter2-s3cret');
    expect(environ).toContain('ST2_ACTION_PARAM_TOKEN=tok-s3cret');
    expect((out.result as { stdout: unknown }).stdout).toBe('hunter2-s3cret');
  });

  it('picks the interpreter from the shebang even when the file is not executable', async () => {
    await writeScript('hello.mjs', '#!/usr/bin/env node\nconsole.log(JSON.stringify({ args: process.argv.slice(2) }));\n', 0o644);
    const action = makeAction({ runner_type: 'local-shell-script', entry_point: 'hello.mjs', parameters: { a: { type: 'string', position: 0 } } });
    const out = await runScript(action, { a: 'x y' }).done;
    expect(out).toMatchObject({ status: 'succeeded', result: { stdout: { args: ['x y'] } } });
  });

  it('runs a script without shebang or executable bit with bash', async () => {
    await writeScript('plain.sh', 'echo "${BASH_VERSION:+bash} $1"\n', 0o644);
    const action = makeAction({ runner_type: 'local-shell-script', entry_point: 'plain.sh', parameters: { a: { type: 'boolean', position: 0 } } });
    const out = await runScript(action, { a: true }).done;
    expect((out.result as { stdout: unknown }).stdout).toBe('bash 1');
  });

  it('fails with the exit code of the script', async () => {
    await writeScript('fail.sh', '#!/bin/sh\necho bad >&2\nexit 4\n');
    const action = makeAction({ runner_type: 'local-shell-script', entry_point: 'fail.sh' });
    const out = await runScript(action, {}).done;
    expect(out).toEqual({ status: 'failed', result: { failed: true, succeeded: false, return_code: 4, stdout: '', stderr: 'bad' } });
  });

  it('refuses an entry point outside the pack, and reports a missing one', async () => {
    const outside = makeAction({ runner_type: 'local-shell-script', entry_point: '../../etc/passwd' });
    expect(await runScript(outside, {}).done).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/outside the pack/) } });
    const missing = makeAction({ runner_type: 'local-shell-script', entry_point: 'nope.sh' });
    expect(await runScript(missing, {}).done).toMatchObject({ status: 'failed', result: { error: expect.stringMatching(/ENOENT/) } });
  });
});
