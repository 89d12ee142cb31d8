// Configuration: defaults < $SQUALL_HOME/config.yaml < environment < flags, validated once, frozen.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { squallHome } from './home.js';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { SquallError } from '../errors.js';

export const ROLES = ['api', 'scheduler', 'workflow', 'rules', 'sensors', 'timers'] as const;
export type Role = (typeof ROLES)[number];

const ConfigSchema = Type.Object({
  home: Type.String(),
  /** postgres://… or an SQLite file; default <home>/squall.db */
  db: Type.String(),
  host: Type.String(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r)))),
  /** Executions run at once on this node. */
  concurrency: Type.Integer({ minimum: 1, maximum: 10_000 }),
  leaseSeconds: Type.Integer({ minimum: 1 }),
  pollSeconds: Type.Number({ exclusiveMinimum: 0 }),
  retentionDays: Type.Number({ minimum: 0 }),
  /** Trigger instances and rule enforcements older than this are purged hourly; 0 keeps them. */
  eventRetentionDays: Type.Number({ minimum: 0 }),
  /** How long a delivery id (Idempotency-Key, X-GitHub-Delivery, a broker message id) is remembered. */
  dedupeWindowSeconds: Type.Integer({ minimum: 1 }),
  /** Trigger instances the rules engine decides at once on this node. */
  rulesConcurrency: Type.Integer({ minimum: 1, maximum: 1000 }),
  bodyLimitMb: Type.Number({ exclusiveMinimum: 0 }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  node: Type.String({ minLength: 1 }),
  /** Warm worker processes kept per pack for node and python-script actions; 0: one process per execution. */
  runnerPoolSize: Type.Integer({ minimum: 0, maximum: 1_000 }),
  /** A warm worker without work for this long exits. */
  runnerPoolIdleSeconds: Type.Number({ exclusiveMinimum: 0 }),
  /** A warm worker is replaced after this many executions. */
  runnerPoolMaxExecutions: Type.Integer({ minimum: 1 }),
  /** python-script: fork a fresh process per execution (st2's isolation) instead of running it in the warm worker. */
  pythonForkPerExecution: Type.Boolean(),
  /** Extra pack directories registered at start, besides the core pack. */
  packs: Type.Array(Type.String()),
}, { additionalProperties: false });

export type Config = Readonly<Static<typeof ConfigSchema>>;

function fromEnv(env: NodeJS.ProcessEnv): Partial<Record<keyof Config, unknown>> {
  const out: Partial<Record<keyof Config, unknown>> = {};
  if (env.SQUALL_DB) out.db = env.SQUALL_DB;
  if (env.SQUALL_HOST) out.host = env.SQUALL_HOST;
  if (env.SQUALL_PORT) out.port = Number(env.SQUALL_PORT);
  if (env.SQUALL_ROLES) out.roles = env.SQUALL_ROLES.split(',');
  if (env.SQUALL_CONCURRENCY) out.concurrency = Number(env.SQUALL_CONCURRENCY);
  if (env.SQUALL_LOG_LEVEL) out.logLevel = env.SQUALL_LOG_LEVEL;
  if (env.SQUALL_RETENTION_DAYS) out.retentionDays = Number(env.SQUALL_RETENTION_DAYS);
  if (env.SQUALL_EVENT_RETENTION_DAYS) out.eventRetentionDays = Number(env.SQUALL_EVENT_RETENTION_DAYS);
  if (env.SQUALL_DEDUPE_WINDOW_SECONDS) out.dedupeWindowSeconds = Number(env.SQUALL_DEDUPE_WINDOW_SECONDS);
  if (env.SQUALL_RULES_CONCURRENCY) out.rulesConcurrency = Number(env.SQUALL_RULES_CONCURRENCY);
  if (env.SQUALL_LEASE_SECONDS) out.leaseSeconds = Number(env.SQUALL_LEASE_SECONDS);
  if (env.SQUALL_RUNNER_POOL_SIZE) out.runnerPoolSize = Number(env.SQUALL_RUNNER_POOL_SIZE);
  if (env.SQUALL_RUNNER_POOL_IDLE_SECONDS) out.runnerPoolIdleSeconds = Number(env.SQUALL_RUNNER_POOL_IDLE_SECONDS);
  if (env.SQUALL_PYTHON_FORK_PER_EXECUTION) out.pythonForkPerExecution = ['1', 'true', 'yes'].includes(env.SQUALL_PYTHON_FORK_PER_EXECUTION.toLowerCase());
  if (env.SQUALL_RUNNER_POOL_MAX_EXECUTIONS) out.runnerPoolMaxExecutions = Number(env.SQUALL_RUNNER_POOL_MAX_EXECUTIONS);
  return out;
}

/** Builds the configuration; `flags` are already-parsed command-line values (undefined = not given). */
export function loadConfig(flags: Partial<Record<keyof Config, unknown>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const home = squallHome(env);
  const file = join(home, 'config.yaml');
  const fromFile = existsSync(file) ? (parse(readFileSync(file, 'utf8')) ?? {}) : {};
  const defaults: Config = {
    home,
    db: join(home, 'squall.db'),
    host: '127.0.0.1',
    port: 9101,
    roles: [...ROLES],
    concurrency: 64,
    leaseSeconds: 30,
    pollSeconds: 5,
    retentionDays: 30,
    eventRetentionDays: 30,
    dedupeWindowSeconds: 86_400,
    rulesConcurrency: 16,
    bodyLimitMb: 10,
    logLevel: 'info',
    node: `${hostname()}-${process.pid}`,
    runnerPoolSize: 4,
    runnerPoolIdleSeconds: 60,
    runnerPoolMaxExecutions: 1_000,
    pythonForkPerExecution: false,
    packs: [],
  };
  const defined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const merged = { ...defaults, ...defined(fromFile), ...defined(fromEnv(env)), ...defined(flags), home };
  const ajv = new Ajv({ allErrors: true, validateSchema: false });
  if (!ajv.validate(ConfigSchema, merged)) {
    const e = ajv.errors![0]!;
    const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || String(e.params.additionalProperty ?? '');
    throw new SquallError('CONFIG_INVALID', `configuration ${field}: ${e.message}`, { field, file: existsSync(file) ? file : undefined });
  }
  return Object.freeze(merged as Config);
}
