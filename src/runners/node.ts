// The `node` runner: an action is a JavaScript or TypeScript module in the pack exporting a
// function `run(params, ctx)` or a class with a `run(params, ctx)` method (default or named
// export); TypeScript is transpiled as it is imported (packs/typescript.ts).
// It runs in a warm worker process of its pack (pool.ts) with a time limit; the value it
// returns is the result, an error it throws fails the execution with the message and stack in
// the result. `runCodeAction` is shared with the python-script runner: both hand the worker
// each execution on stdin and read its result from marked lines (worker.ts).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { EntryPointValidator } from '../packs/actions.js';
import type { ParameterSchema } from '../packs/model.js';
import { checkTypeScriptModules, isTypeScriptModule, typeScriptHooksUrl } from '../packs/typescript.js';
import { actionSockets, type ActionServices, type ActionSockets } from './node-action-services.js';
import { DEFAULT_POOL, WorkerPool, type Lease, type PoolOptions } from './pool.js';
import type { RunContext, RunOutcome, Runner } from './types.js';

/** Starts the worker's end-of-execution lines: `<marker><nonce> result <json>`; never shown as output. */
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

/** Pack registration's check of a node action's entry point: a TypeScript one must transpile (else file:line:column). */
export const checkNodeEntryPoint: EntryPointValidator = async (_action, file, packDir) => (isTypeScriptModule(file) ? checkTypeScriptModules(file, packDir) : []);

/** How a code runner starts its worker process; `env` is added to Squall's environment. */
export interface HostProgram {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * Runs one execution of a code action on a worker of its pack (see pool.ts and worker.ts):
 * the worker gets on stdin one JSON line `{file, parameters, config, execution_id, pack,
 * action, env, nonce, result_marker, typescript_hooks?}`, where `env` holds the execution's
 * variables (the datastore socket in SQUALL_ACTION_SOCKET), never argv, and
 * `typescript_hooks` comes with a TypeScript entry point.
 */
export async function runCodeAction(
  ctx: RunContext, services: ActionServices, sockets: ActionSockets, pool: WorkerPool, host: HostProgram, env: Record<string, string>, file: string,
  shape: (result: unknown, io: { stdout: string; stderr: string; exit_code: number }) => unknown = (r) => r,
): Promise<RunOutcome> {
  const timeoutS = Number(ctx.parameters.timeout ?? 600);
  let config: Record<string, unknown> = {};
  try {
    config = services.packConfig ? await services.packConfig(ctx.action.pack) : {};
  } catch (err) {
    return { status: 'failed', result: { error: `cannot resolve the config of pack ${ctx.action.pack}: ${(err as Error).message}` } };
  }
  const { timeout: _timeout, ...parameters } = ctx.parameters;
  const socket = await sockets.open(ctx, services, 'system');
  const actionsDir = path.join(path.resolve(ctx.packDir!), 'actions');
  let lease: Lease;
  try {
    lease = await pool.acquire([host.command, ...host.args, ctx.action.pack, actionsDir].join('\0'), ctx.action.updated_at, () => ({
      command: host.command, args: host.args, cwd: actionsDir, env: { ...baseEnv(), ...host.env },
    }));
  } catch (err) {
    socket.close();
    throw err;
  }
  try {
    const p = await lease.worker.execute({
      request: {
        file, parameters, config, execution_id: ctx.executionId, pack: ctx.action.pack, action: ctx.action.ref,
        env: { ...env, SQUALL_ACTION_SOCKET: socket.path, SQUALL_ACTION_TOKEN: socket.token, ST2_ACTION_PACK_NAME: ctx.action.pack, ST2_ACTION_EXECUTION_ID: ctx.executionId },
        nonce: randomBytes(12).toString('hex'), result_marker: RESULT_MARKER,
        ...(isTypeScriptModule(file) ? { typescript_hooks: typeScriptHooksUrl() } : {}),
      },
      timeoutMs: timeoutS * 1000,
      signal: ctx.signal,
      onLine: (stream, line) => ctx.output(stream, line),
    });
    const { stdout, stderr, answer: a } = p;
    if (p.canceled) return { status: 'canceled', result: { error: 'Action was canceled' } };
    if (p.timedOut) return { status: 'timeout', result: { error: `Action failed to complete in ${timeoutS} seconds`, stdout, stderr, return_code: -9 } };
    if (!a) return { status: 'failed', result: { error: `the action process exited with code ${p.return_code} without a result`, stdout, stderr, return_code: p.return_code } };
    if (!a.ok) return { status: 'failed', result: { error: a.error, traceback: a.traceback, stdout, stderr } };
    return { status: a.status === 'failed' ? 'failed' : 'succeeded', result: shape(a.result, { stdout, stderr, exit_code: p.return_code }) };
  } catch (err) {
    return { status: 'failed', result: { error: `cannot start ${host.command}: ${(err as Error).message}` } };
  } finally {
    lease.release();
    socket.close();
  }
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

// The worker program, run with `node --input-type=module -e`: no file to ship beside dist/.
// It imports each action module once (Node's module cache) and runs one request at a time,
// each with a fresh ctx, its own datastore connection and its variables in process.env.
// A request for a TypeScript entry point carries the module hooks' URL (typescript_hooks):
// the first one registers them.
const NODE_HOST = String.raw`
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
const log = (level) => (...args) => process.stderr.write('[' + level + '] ' + args.map((a) => typeof a === 'string' ? a : JSON.stringify(a)).join(' ') + '\n');
function services(socketPath, token) {
  let sock = null, buf = '', seq = 0;
  const waiting = new Map();
  const call = (req) => {
    if (!sock) {
      sock = createConnection(socketPath);
      sock.setEncoding('utf8');
      sock.on('error', (e) => { for (const w of waiting.values()) w.reject(e); waiting.clear(); });
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
    return new Promise((resolve, reject) => { waiting.set(id, { resolve, reject }); sock.write(JSON.stringify({ ...req, id, token }) + '\n'); });
  };
  return { call, close: () => sock?.destroy() };
}
let typescript = null;
async function runOne(input) {
  const svc = services(input.env.SQUALL_ACTION_SOCKET, input.env.SQUALL_ACTION_TOKEN);
  const ctx = Object.freeze({
    executionId: input.execution_id, pack: input.pack, action: input.action, config: input.config,
    logger: { debug: log('debug'), info: log('info'), warn: log('warning'), error: log('error') },
    datastore: {
      get: (name, o = {}) => svc.call({ op: 'get', name, decrypt: !!o.decrypt, scope: o.scope }),
      set: (name, value, o = {}) => svc.call({ op: 'set', name, value, secret: !!o.secret, ttl: o.ttl ?? null, scope: o.scope }),
      list: (o = {}) => svc.call({ op: 'list', prefix: o.prefix, decrypt: !!o.decrypt, scope: o.scope }),
      delete: (name, o = {}) => svc.call({ op: 'delete', name, scope: o.scope }),
    },
  });
  const saved = {};
  for (const [k, v] of Object.entries(input.env)) { saved[k] = process.env[k]; process.env[k] = v; }
  let answer;
  try {
    process.chdir(dirname(input.file));
    if (input.typescript_hooks) await (typescript ??= import(input.typescript_hooks).then((m) => m.enableTypeScript()));
    const mod = await import(pathToFileURL(input.file).href);
    const entry = mod.default ?? mod.run ?? mod;
    let result;
    if (typeof entry === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(entry))) {
      const instance = new entry(input.config);
      result = await instance.run(input.parameters, ctx);
    } else if (typeof entry === 'function') result = await entry(input.parameters, ctx);
    else if (entry && typeof entry.run === 'function') result = await entry.run(input.parameters, ctx);
    else throw new Error(input.file + ' exports neither a function run(params, ctx) nor a class with run()');
    answer = { ok: true, result: result === undefined ? null : result };
  } catch (e) {
    answer = { ok: false, error: e instanceof Error ? e.message : String(e), traceback: e instanceof Error ? e.stack : undefined };
  } finally {
    svc.close();
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  }
  let text;
  try { text = JSON.stringify(answer); } catch (e) { text = JSON.stringify({ ok: false, error: 'the result is not JSON: ' + e.message }); }
  const marker = input.result_marker + input.nonce + ' ';
  // Writes to pipes are synchronous on Linux: the action's output is out before the markers.
  process.stdout.write(marker + 'result ' + text + '\n' + marker + 'done 0\n');
  process.stderr.write(marker + 'done\n');
}
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) await runOne(JSON.parse(line));
`;

/** `node`: runs a JavaScript or TypeScript action module in a warm `node` worker of its pack. */
export function nodeRunner(services: ActionServices, poolOptions: PoolOptions = DEFAULT_POOL): Runner {
  const pool = new WorkerPool(poolOptions);
  const sockets = actionSockets();
  const host: HostProgram = { command: process.execPath, args: ['--input-type=module', '-e', NODE_HOST], env: {} };
  return {
    name: 'node',
    description: 'Runs an action written as a JavaScript or TypeScript module exporting run(params, ctx) in a warm node worker process of its pack.',
    parameters: TIMEOUT_PARAMETER,
    async run(ctx) {
      const entry = entryFile(ctx);
      if ('error' in entry) return { status: 'failed', result: { error: entry.error } };
      return runCodeAction(ctx, services, sockets, pool, host, {}, entry.file);
    },
    async close() {
      pool.close();
      await sockets.close();
    },
  };
}
