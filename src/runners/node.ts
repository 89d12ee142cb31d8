// The `node` runner: an action is a JavaScript module in the pack exporting a function
// `run(params, ctx)` or a class with a `run(params, ctx)` method (default or named export).
// It runs in a child process with a time limit; the value it returns is the result, an error
// it throws fails the execution with the message and stack in the result. `runCodeAction`
// is shared with the python-script runner: both hand the child its input on stdin and read
// its result from one marked line of stdout.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ParameterSchema } from '../packs/model.js';
import { openActionSocket, type ActionServices } from './node-action-services.js';
import { runProcess } from './process.js';
import type { RunContext, RunOutcome, Runner } from './types.js';

/** Marks the stdout line that carries the result: `<marker><nonce> <json>`; never shown as output. */
const RESULT_MARKER = '%%squall-result%%';

const TIMEOUT_PARAMETER: ParameterSchema = {
  timeout: { default: 600, description: "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds.", type: 'integer' },
};

/** The entry point's absolute path, or an error when it is missing or leaves the pack. */
export function entryFile(ctx: RunContext): { file: string } | { error: string } {
  if (!ctx.action.entry_point) return { error: 'Missing entry_point action metadata attribute' };
  if (!ctx.packDir) return { error: `action ${ctx.action.ref} has no pack directory to find ${ctx.action.entry_point} in` };
  const packDir = path.resolve(ctx.packDir);
  const file = path.resolve(packDir, 'actions', ctx.action.entry_point);
  if (!file.startsWith(packDir + path.sep)) return { error: `entry_point ${ctx.action.entry_point} points outside the pack directory` };
  return { file };
}

type ChildAnswer = { ok: true; result: unknown; status?: string } | { ok: false; error: string; traceback?: string };

/**
 * Runs a code action's host process: `argv` gets on stdin one JSON object
 * `{file, parameters, config, execution_id, pack, action, nonce, result_marker}` and the
 * socket path in SQUALL_ACTION_SOCKET; it prints the result line and exits.
 */
export async function runCodeAction(
  ctx: RunContext, services: ActionServices, argv: string[], env: Record<string, string>, file: string,
  shape: (result: unknown, io: { stdout: string; stderr: string; exit_code: number }) => unknown = (r) => r,
): Promise<RunOutcome> {
  const timeoutS = Number(ctx.parameters.timeout ?? 600);
  let config: Record<string, unknown> = {};
  try {
    config = services.packConfig ? await services.packConfig(ctx.action.pack) : {};
  } catch (err) {
    return { status: 'failed', result: { error: `cannot resolve the config of pack ${ctx.action.pack}: ${(err as Error).message}` } };
  }
  const nonce = randomBytes(12).toString('hex');
  const marker = `${RESULT_MARKER}${nonce} `;
  const { timeout: _timeout, ...parameters } = ctx.parameters;
  const socket = await openActionSocket(ctx, services, 'system');
  let answer: ChildAnswer | null = null;
  try {
    const p = await runProcess({
      command: argv[0]!,
      args: argv.slice(1),
      cwd: path.dirname(file),
      env: { ...baseEnv(), ...env, SQUALL_ACTION_SOCKET: socket.path, ST2_ACTION_PACK_NAME: ctx.action.pack, ST2_ACTION_EXECUTION_ID: ctx.executionId },
      input: JSON.stringify({ file, parameters, config, execution_id: ctx.executionId, pack: ctx.action.pack, action: ctx.action.ref, nonce, result_marker: RESULT_MARKER }),
      timeoutMs: timeoutS * 1000,
      signal: ctx.signal,
      onLine: (stream, line) => {
        if (stream === 'stdout' && line.startsWith(marker)) answer = JSON.parse(line.slice(marker.length)) as ChildAnswer;
        else ctx.output(stream, line);
      },
    });
    if (p.canceled) return { status: 'canceled', result: { error: 'Action was canceled' } };
    // The host starts the result line with a newline of its own (the action's last line may
    // lack one), so trailing newlines are dropped, as st2 strips its output.
    const stdout = p.stdout.split('\n').filter((l) => !l.startsWith(marker)).join('\n').replace(/\n+$/, '');
    const stderr = p.stderr.replace(/\n+$/, '');
    if (p.timedOut) return { status: 'timeout', result: { error: `Action failed to complete in ${timeoutS} seconds`, stdout, stderr, return_code: -9 } };
    const a = answer as ChildAnswer | null;
    if (!a) return { status: 'failed', result: { error: `the action process exited with code ${p.return_code} without a result`, stdout, stderr, return_code: p.return_code } };
    if (!a.ok) return { status: 'failed', result: { error: a.error, traceback: a.traceback, stdout, stderr } };
    return { status: a.status === 'failed' ? 'failed' : 'succeeded', result: shape(a.result, { stdout, stderr, exit_code: p.return_code }) };
  } catch (err) {
    return { status: 'failed', result: { error: `cannot start ${argv[0]}: ${(err as Error).message}` } };
  } finally {
    await socket.close();
  }
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

// The host program, run with `node --input-type=module -e`: no file to ship beside dist/.
const NODE_HOST = String.raw`
import { createConnection } from 'node:net';
import { pathToFileURL } from 'node:url';
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const marker = input.result_marker + input.nonce + ' ';
let sock = null, buf = '', seq = 0;
const waiting = new Map();
function call(req) {
  if (!sock) {
    sock = createConnection(process.env.SQUALL_ACTION_SOCKET);
    sock.setEncoding('utf8');
    sock.on('data', (d) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const m = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
        const w = waiting.get(m.id); waiting.delete(m.id);
        if (m.ok) w.resolve(m.value); else w.reject(new Error(m.error));
      }
    });
  }
  const id = ++seq;
  return new Promise((resolve, reject) => { waiting.set(id, { resolve, reject }); sock.write(JSON.stringify({ ...req, id }) + '\n'); });
}
const log = (level) => (...args) => process.stderr.write('[' + level + '] ' + args.map((a) => typeof a === 'string' ? a : JSON.stringify(a)).join(' ') + '\n');
const ctx = Object.freeze({
  executionId: input.execution_id, pack: input.pack, action: input.action, config: input.config,
  logger: { debug: log('debug'), info: log('info'), warn: log('warning'), error: log('error') },
  datastore: {
    get: (name, o = {}) => call({ op: 'get', name, decrypt: !!o.decrypt, scope: o.scope }),
    set: (name, value, o = {}) => call({ op: 'set', name, value, secret: !!o.secret, ttl: o.ttl ?? null, scope: o.scope }),
    list: (o = {}) => call({ op: 'list', prefix: o.prefix, decrypt: !!o.decrypt, scope: o.scope }),
    delete: (name, o = {}) => call({ op: 'delete', name, scope: o.scope }),
  },
});
function finish(answer) {
  let text;
  try { text = JSON.stringify(answer); } catch (e) { text = JSON.stringify({ ok: false, error: 'the result is not JSON: ' + e.message }); }
  process.stdout.write('\n' + marker + text + '\n', () => process.exit(0));
}
try {
  const mod = await import(pathToFileURL(input.file).href);
  const entry = mod.default ?? mod.run ?? mod;
  let result;
  if (typeof entry === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(entry))) {
    const instance = new entry(input.config);
    result = await instance.run(input.parameters, ctx);
  } else if (typeof entry === 'function') result = await entry(input.parameters, ctx);
  else if (entry && typeof entry.run === 'function') result = await entry.run(input.parameters, ctx);
  else throw new Error(input.file + ' exports neither a function run(params, ctx) nor a class with run()');
  finish({ ok: true, result: result === undefined ? null : result });
} catch (e) {
  finish({ ok: false, error: e instanceof Error ? e.message : String(e), traceback: e instanceof Error ? e.stack : undefined });
}
`;

/** `node`: runs a JavaScript action module in a child `node` process. */
export function nodeRunner(services: ActionServices): Runner {
  return {
    name: 'node',
    description: 'Runs an action written as a JavaScript module exporting run(params, ctx) in a child node process.',
    parameters: TIMEOUT_PARAMETER,
    async run(ctx) {
      const entry = entryFile(ctx);
      if ('error' in entry) return { status: 'failed', result: { error: entry.error } };
      return runCodeAction(ctx, services, [process.execPath, '--input-type=module', '-e', NODE_HOST], {}, entry.file);
    },
  };
}
