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

// Other names a role answers to. st2 splits scheduling (st2scheduler) from running
// (st2actionrunner); Squall's scheduler role does both, claiming an execution and running it
// in one lease, so `runner` is the same role under st2's name, never a second one.
const ROLE_ALIASES: ReadonlyMap<string, Role> = new Map([['runner', 'scheduler']]);

// A closed set of strings as one `enum` (not a union of constants), so that Ajv's error lists the allowed values.
const oneOf = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });

/** "api, scheduler (or runner), …": the allowed values with the aliases each answers to. */
function allowedNames(values: readonly string[]): string {
  const aliases = (v: string) => [...ROLE_ALIASES].filter(([, role]) => role === v).map(([alias]) => alias);
  return values.map((v) => (aliases(v).length ? `${v} (or ${aliases(v).join(', ')})` : v)).join(', ');
}

/** Roles as given, aliases replaced by the role they name, each once. */
function canonicalRoles(roles: unknown): unknown {
  return Array.isArray(roles) ? [...new Set(roles.map((r) => ROLE_ALIASES.get(r) ?? r))] : roles;
}

const ConfigSchema = Type.Object({
  home: Type.String(),
  /** postgres://… or an SQLite file; default <home>/squall.db */
  db: Type.String(),
  host: Type.String(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  roles: Type.Array(oneOf(ROLES)),
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
  logLevel: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
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
  if (env.SQUALL_BODY_LIMIT_MB) out.bodyLimitMb = Number(env.SQUALL_BODY_LIMIT_MB);
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
  const given = { ...defaults, ...defined(fromFile), ...defined(fromEnv(env)), ...defined(flags), home };
  const merged = { ...given, roles: canonicalRoles(given.roles) };
  const ajv = new Ajv({ allErrors: true, validateSchema: false, verbose: true });
  if (!ajv.validate(ConfigSchema, merged)) {
    const e = ajv.errors![0]!;
    const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || String(e.params.additionalProperty ?? '');
    const message = e.keyword === 'enum' ? `must be one of ${allowedNames(e.params.allowedValues as string[])} (got ${JSON.stringify(e.data)})` : e.message;
    throw new SquallError('CONFIG_INVALID', `configuration ${field}: ${message}`, { field, file: existsSync(file) ? file : undefined });
  }
  return Object.freeze(merged as Config);
}
