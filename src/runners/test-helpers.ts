// Builders for runner tests: one action, one run context, the output it streamed.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { Action } from '../packs/model.js';
import type { OutputStream, RunContext } from './types.js';

/** An action with sensible defaults; override any field. */
export function makeAction(fields: Partial<Action> = {}): Action {
  const pack = fields.pack ?? 'test';
  const name = fields.name ?? 'action';
  return {
    ref: `${pack}.${name}`,
    pack,
    name,
    runner_type: 'local-shell-cmd',
    entry_point: '',
    description: '',
    enabled: true,
    parameters: {},
    metadata: {},
    updated_at: 0,
    ...fields,
  };
}

export interface TestContext extends RunContext {
  /** Every streamed line, in order. */
  lines: Array<{ stream: OutputStream; line: string }>;
  abort: AbortController;
}

/** A run context whose streamed output is collected in `lines`, canceled through `abort`. */
export function makeContext(fields: Partial<RunContext> & { action?: Action } = {}): TestContext {
  const abort = new AbortController();
  const lines: TestContext['lines'] = [];
  return {
    executionId: 'ex-test',
    action: makeAction(),
    packDir: null,
    user: null,
    parameters: {},
    signal: abort.signal,
    output: (stream, line) => lines.push({ stream, line }),
    log: pino({ level: 'silent' }),
    ...fields,
    lines,
    abort,
  };
}

/** Polls `check` until it is true or `timeoutMs` passes (then throws). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether process `pid` still runs; a zombie (exited, not yet reaped) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
