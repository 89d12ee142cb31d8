// @ts-check
// The sensor process: one per running pack sensor, forked by the sensor container with an
// IPC channel. Plain JavaScript (not TypeScript) because it is forked from the source tree
// and from dist alike, and Node 20 runs no .ts file by itself.
// Parent -> child: {type:'start', entry, className, pollIntervalMs, config, ref, typescriptHooks?}, {type:'reply', id, ok, value|error}, {type:'stop'}.
// typescriptHooks (the URL of packs/typescript-hooks) comes with a TypeScript entry point.
// Child -> parent: {type:'ready'}, {type:'call', id, op:'dispatch'|'kv.get'|'kv.set'|'kv.delete', args}, {type:'log', level, msg, data}, {type:'error', message}.
import { pathToFileURL } from 'node:url';

const pending = new Map();
let nextId = 1;
let sensor = null;
let stopping = false;
let pollTimer = null;

function send(msg) {
  if (process.connected) process.send(msg);
}

function call(op, args) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ type: 'call', id, op, args });
  });
}

function fail(err) {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  send({ type: 'error', message });
  // Give the IPC message a moment to leave before the process goes.
  setTimeout(() => process.exit(1), 50);
}

function makeLogger(name) {
  const at = (level) => (msg, data) => send({ type: 'log', level, msg: String(msg), data: data ?? null, logger: name });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), warning: at('warn'), error: at('error') };
}

// st2's SensorService, with camelCase names beside st2's snake_case ones.
function makeService(ref) {
  const logger = makeLogger(ref);
  const kvName = (name, local) => (local === false ? name : `${ref}:${name}`);
  const service = {
    logger,
    getLogger: (name) => makeLogger(name ?? ref),
    dispatch: (trigger, payload, traceTag) => call('dispatch', { trigger, payload: payload ?? {}, traceTag: traceTag ?? null }),
    getValue: (name, opts = {}) => call('kv.get', { name: kvName(name, opts.local), scope: opts.scope ?? 'system', decrypt: opts.decrypt ?? false }),
    setValue: (name, value, opts = {}) => call('kv.set', { name: kvName(name, opts.local), value, ttl: opts.ttl ?? null, scope: opts.scope ?? 'system', secret: opts.encrypt ?? false }),
    deleteValue: (name, opts = {}) => call('kv.delete', { name: kvName(name, opts.local), scope: opts.scope ?? 'system' }),
  };
  return {
    ...service,
    get_logger: service.getLogger,
    dispatch_with_context: service.dispatch,
    get_value: (name, local = true, scope = 'system', decrypt = false) => service.getValue(name, { local, scope, decrypt }),
    set_value: (name, value, ttl = null, local = true, scope = 'system', encrypt = false) => service.setValue(name, value, { ttl, local, scope, encrypt }),
    delete_value: (name, local = true, scope = 'system') => service.deleteValue(name, { local, scope }),
  };
}

async function pollLoop(intervalMs) {
  if (stopping) return;
  const started = Date.now();
  try {
    await sensor.poll();
  } catch (err) {
    return fail(err);
  }
  pollTimer = setTimeout(() => void pollLoop(intervalMs), Math.max(0, intervalMs - (Date.now() - started)));
}

async function start(msg) {
  if (msg.typescriptHooks) (await import(msg.typescriptHooks)).enableTypeScript();
  const mod = await import(pathToFileURL(msg.entry).href);
  const Cls = mod[msg.className] ?? mod.default;
  if (typeof Cls !== 'function') throw new Error(`${msg.entry} exports no class ${msg.className} (nor a default export)`);
  sensor = new Cls(makeService(msg.ref), msg.config ?? {});
  if (typeof sensor.setup === 'function') await sensor.setup();
  send({ type: 'ready' });
  if (msg.pollIntervalMs) {
    if (typeof sensor.poll !== 'function') throw new Error(`${msg.className} has poll_interval but no poll() method`);
    await pollLoop(msg.pollIntervalMs);
  } else if (typeof sensor.run === 'function') {
    await sensor.run();
    if (!stopping) throw new Error(`${msg.className}.run() returned: a passive sensor must keep running until cleanup()`);
  } else {
    throw new Error(`${msg.className} has neither run() nor poll() (with poll_interval)`);
  }
}

async function stop() {
  stopping = true;
  if (pollTimer) clearTimeout(pollTimer);
  try {
    if (sensor && typeof sensor.cleanup === 'function') await sensor.cleanup();
  } finally {
    process.exit(0);
  }
}

process.on('message', (msg) => {
  if (msg.type === 'start') start(msg).catch(fail);
  else if (msg.type === 'stop') stop().catch(fail);
  else if (msg.type === 'reply') {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(Object.assign(new Error(msg.error), { code: msg.code }));
  }
});
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
// The parent went away: nobody will take this sensor's events, so stop.
process.on('disconnect', () => process.exit(0));
