// The sensor container (the `sensors` role): runs every enabled sensor for which this node
// holds the lease — a pack code sensor in its own child process, a message-bus source in
// this process — restarts a failed one with exponential backoff, and records what it sees
// (state, pid, restarts, last error) on the sensor's row for `squall sensor list`.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SquallError } from '../errors.js';
import { dispatchTriggerInstance, type EventDeps } from '../events/index.js';
import { packageRoot } from '../paths.js';
import { isTypeScriptModule, typeScriptHooksUrl } from '../packs/typescript.js';
import * as rows from '../store/sensors.js';
import type { SensorRecord } from '../store/sensors.js';
import type { Store } from '../store/types.js';
import { committer, errorText, type RunningSource } from './bus-message.js';
import type { CodeSensorSpec, SourceSpec } from './definition.js';
import { startSource } from './sources.js';

/** How the container reaches the datastore (src/datastore), for the sensor service's get/set/delete. */
export interface SensorKv {
  get(scope: string, name: string, decrypt: boolean): Promise<unknown>;
  set(scope: string, name: string, value: unknown, ttl: number | null, secret: boolean): Promise<void>;
  delete(scope: string, name: string): Promise<void>;
}

export interface SensorContainerDeps {
  store: Store;
  now: () => number;
  log: Logger;
  node: string;
  events: EventDeps;
  kv?: SensorKv;
  /** The directory a registered pack was loaded from. */
  packDir(pack: string): Promise<string | null>;
  /** The pack's config (configs/<pack>.yaml, st2kv resolved): st2 passes it to the sensor's constructor. */
  packConfig?(pack: string): Promise<Record<string, unknown>>;
}

export interface SensorContainerOptions {
  leaseMs: number;
  /** How often leases are renewed and sensor rows re-read (enable/disable, new packs). */
  scanMs: number;
  /** First restart delay; doubled per consecutive failure up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A sensor that ran this long without failing starts its backoff from backoffMs again. */
  stableMs: number;
}

export const DEFAULT_SENSOR_OPTIONS: SensorContainerOptions = {
  // Lease 30 s, renewed every 5 s: a dead node's sensors move within 30 s, and a healthy
  // but slow node must miss several renewals before losing them.
  leaseMs: 30_000, scanMs: 5_000,
  backoffMs: 1_000, maxBackoffMs: 60_000, stableMs: 60_000,
};

interface Running {
  stop(): Promise<void>;
  done: Promise<string | null>;
  pid: number | null;
}

interface Supervised {
  /** The definition it was started with (JSON). */
  def: string;
  stopping: boolean;
  current: Running | null;
  wake: (() => void) | null;
  finished: Promise<void>;
}

export interface SensorContainer {
  /** Re-reads the sensor rows now (after enable/disable on this node). */
  scan(): Promise<void>;
  stop(): Promise<void>;
}

/** Exponential backoff: backoffMs · 2^(failures-1), capped. */
export function backoffDelay(failures: number, opts: Pick<SensorContainerOptions, 'backoffMs' | 'maxBackoffMs'>): number {
  return Math.min(opts.maxBackoffMs, opts.backoffMs * 2 ** Math.max(0, failures - 1));
}

export function startSensorContainer(deps: SensorContainerDeps, options: Partial<SensorContainerOptions> = {}): SensorContainer {
  const opts = { ...DEFAULT_SENSOR_OPTIONS, ...options };
  const log = deps.log.child({ role: 'sensors' });
  const supervised = new Map<string, Supervised>();
  let closed = false;
  let scanning: Promise<void> = Promise.resolve();

  const record = (ref: string, s: rows.SensorStatus) => deps.store.tx((tx) => rows.recordSensorStatus(tx, ref, deps.node, s, deps.now()))
    .catch((err) => log.error({ err: errorText(err), sensor: ref }, 'could not record sensor status'));

  const emitProcess = (ref: string, kind: 'process_spawn' | 'process_exit', payload: Record<string, unknown>) =>
    deps.store.tx((tx) => dispatchTriggerInstance(tx, deps.events, {
      trigger: `core.st2.sensor.${kind}`,
      payload: { id: ref, timestamp: new Date(deps.now()).toISOString(), ...payload },
    })).catch((err) => log.error({ err: errorText(err), sensor: ref }, `could not emit ${kind}`));

  async function launch(sensor: SensorRecord): Promise<Running> {
    if (sensor.kind !== 'code') {
      const spec = sensor.definition as unknown as SourceSpec & { trigger: string };
      const slog = log.child({ sensor: sensor.ref });
      const src: RunningSource = await startSource(spec, {
        ref: sensor.ref, node: deps.node, log: slog,
        commit: committer(deps.store, deps.events, spec.trigger, sensor.ref, slog),
      });
      return { ...src, pid: null };
    }
    return launchProcess(sensor);
  }

  async function launchProcess(sensor: SensorRecord): Promise<Running> {
    const spec = sensor.definition as unknown as CodeSensorSpec;
    const dir = await deps.packDir(sensor.pack);
    if (dir === null) throw new SquallError('PACK_NOT_FOUND', `pack ${sensor.pack} of sensor ${sensor.ref} is not registered`);
    const entry = join(dir, 'sensors', spec.entry_point);
    const config = { ...(deps.packConfig ? await deps.packConfig(sensor.pack) : {}), ...(spec.config ?? {}) };
    const child = fork(join(packageRoot(), 'src', 'sensors', 'sensor-child.mjs'), [sensor.ref], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd: dir, env: { ...process.env, SQUALL_SENSOR: sensor.ref },
    });
    const slog = log.child({ sensor: sensor.ref, pid: child.pid });
    let lastError: string | null = null;
    let stderrTail = '';
    child.stderr!.on('data', (b: Buffer) => {
      stderrTail = (stderrTail + b.toString()).slice(-2000);
    });
    child.stdout!.on('data', (b: Buffer) => slog.info({ stdout: b.toString().trimEnd() }, 'sensor output'));
    const reply = (id: number, p: Promise<unknown>) => p.then(
      (value) => child.connected && child.send({ type: 'reply', id, ok: true, value: value ?? null }),
      (err) => child.connected && child.send({ type: 'reply', id, ok: false, error: errorText(err), code: err instanceof SquallError ? err.code : undefined }),
    );
    child.on('message', (msg: any) => {
      if (msg.type === 'log') slog[msg.level as 'info' | 'warn' | 'error' | 'debug']?.({ data: msg.data }, msg.msg);
      else if (msg.type === 'error') lastError = msg.message;
      else if (msg.type === 'call') reply(msg.id, call(sensor, msg.op, msg.args));
    });
    const done = new Promise<string | null>((resolve) => {
      child.on('exit', (code, signal) => {
        void emitProcess(sensor.ref, 'process_exit', { exit_code: code, signal });
        if (code === 0 && signal === null) resolve(null);
        else resolve(lastError ?? (stderrTail.trim() || `exited with ${signal ?? `code ${code}`}`));
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    child.send({
      type: 'start', entry, className: spec.class_name, ref: sensor.ref, config, pollIntervalMs: spec.poll_interval ? spec.poll_interval * 1000 : 0,
      ...(isTypeScriptModule(entry) ? { typescriptHooks: typeScriptHooksUrl() } : {}),
    });
    void emitProcess(sensor.ref, 'process_spawn', { pid: child.pid, cmd: `node sensor-child.mjs ${sensor.ref}` });
    return {
      pid: child.pid ?? null,
      done,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.send({ type: 'stop' });
        // cleanup() gets 5 s, then the process is killed.
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await done;
        clearTimeout(killer);
      },
    };
  }

  async function call(sensor: SensorRecord, op: string, args: any): Promise<unknown> {
    if (op === 'dispatch') {
      const r = await deps.store.tx((tx) => dispatchTriggerInstance(tx, deps.events, { trigger: args.trigger, payload: args.payload, traceTag: args.traceTag }));
      return { id: r.instance.id, duplicate: r.duplicate };
    }
    if (!deps.kv) throw new SquallError('BAD_REQUEST', 'the datastore is not available to sensors on this node');
    if (op === 'kv.get') return deps.kv.get(args.scope, args.name, args.decrypt);
    if (op === 'kv.set') return deps.kv.set(args.scope, args.name, args.value, args.ttl, args.secret);
    if (op === 'kv.delete') return deps.kv.delete(args.scope, args.name);
    throw new SquallError('BAD_REQUEST', `unknown sensor service call ${op} from ${sensor.ref}`);
  }

  // One supervisor per sensor this node runs: launch, wait, back off, relaunch.
  function supervise(sensor: SensorRecord): Supervised {
    const s: Supervised = { def: JSON.stringify(sensor.definition), stopping: false, current: null, wake: null, finished: Promise.resolve() };
    s.finished = (async () => {
      let failures = 0;
      while (!s.stopping) {
        const started = deps.now();
        let error: string | null;
        try {
          await record(sensor.ref, { state: 'starting' });
          s.current = await launch(sensor);
          await record(sensor.ref, { state: 'running', pid: s.current.pid });
          error = await s.current.done;
        } catch (err) {
          error = errorText(err);
        }
        s.current = null;
        if (s.stopping) break;
        failures = deps.now() - started >= opts.stableMs ? 1 : failures + 1;
        const delay = backoffDelay(failures, opts);
        log.warn({ sensor: sensor.ref, error, delayMs: delay, failures }, 'sensor failed; restarting after backoff');
        await record(sensor.ref, { state: 'backoff', pid: null, restarted: true, lastError: error ?? 'stopped unexpectedly', exitedAt: deps.now() });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          s.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        s.wake = null;
      }
    })();
    return s;
  }

  async function halt(ref: string, state: rows.SensorState): Promise<void> {
    const s = supervised.get(ref);
    if (!s) return;
    supervised.delete(ref);
    s.stopping = true;
    s.wake?.();
    await s.current?.stop().catch((err) => log.error({ err: errorText(err), sensor: ref }, 'sensor did not stop cleanly'));
    await s.finished;
    await deps.store.tx(async (tx) => {
      await rows.recordSensorStatus(tx, ref, deps.node, { state, pid: null }, deps.now());
      await rows.releaseSensorLease(tx, ref, deps.node);
    });
  }

  async function scanOnce(): Promise<void> {
    const sensors = await deps.store.read((tx) => rows.listSensors(tx));
    const known = new Set(sensors.map((s) => s.ref));
    for (const ref of [...supervised.keys()]) if (!known.has(ref)) await halt(ref, 'stopped');
    for (const sensor of sensors) {
      if (closed) return;
      if (!sensor.enabled) {
        await halt(sensor.ref, 'disabled');
        continue;
      }
      const held = await deps.store.tx((tx) => rows.acquireSensorLease(tx, sensor.ref, deps.node, opts.leaseMs, deps.now()));
      const running = supervised.get(sensor.ref);
      const def = JSON.stringify(sensor.definition);
      // A re-registered pack with a changed sensor file: run the new definition.
      if (held && running && running.def !== def) await halt(sensor.ref, 'stopped');
      if (!held) {
        if (running) await halt(sensor.ref, 'stopped');
      } else if (!supervised.has(sensor.ref)) {
        if (running && !(await deps.store.tx((tx) => rows.acquireSensorLease(tx, sensor.ref, deps.node, opts.leaseMs, deps.now())))) continue;
        supervised.set(sensor.ref, supervise(sensor));
      }
    }
  }

  const scan = () => (scanning = scanning.then(scanOnce).catch((err) => log.error({ err: errorText(err) }, 'sensor scan failed')));
  const timer = setInterval(() => void scan(), opts.scanMs);
  void scan();
  return {
    scan,
    async stop() {
      closed = true;
      clearInterval(timer);
      await scanning;
      for (const ref of [...supervised.keys()]) await halt(ref, 'stopped');
    },
  };
}
