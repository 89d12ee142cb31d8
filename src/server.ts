// One Squall node: opens the store, registers the core pack, and starts the roles it was
// given (all of them by default) — the API, the scheduler, and the rest as they land.
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApi } from './api/server.js';
import { ensureAdminCredentials } from './auth/api-keys.js';
import { createAuthServices, type AuthServices } from './auth/index.js';
import { createDatastore, createSecretValues, kvReader, startKvPurger, type DatastoreDeps } from './datastore/index.js';
import { securityRoutes } from './api/routes/auth.js';
import { EXECUTION_QUEUE, getExecution } from './executions/service.js';
import type { Config } from './config/index.js';
import type { ExecutionDeps, RunControl } from './executions/deps.js';
import { createWorkflowRuntime, validateWorkflowFile } from './workflow/role.js';
import { startTimeouts, TIMEOUT_QUEUE } from './workflow/timeouts.js';
import { startScheduler } from './executions/scheduler.js';
import { maskExecutions } from './executions/masking.js';
import { startRetention } from './executions/retention.js';
import { packRoutes } from './api/routes/packs.js';
import { packInstallRoutes } from './api/routes/pack-install.js';
import { runnerRoutes } from './api/routes/runners.js';
import { createPackDeps, registerPack } from './packs/index.js';
import { createCatalog } from './packs/catalog.js';
import { packConfigContent, resolvePackConfig } from './packs/config.js';
import { checkNodeEntryPoint, nodeRunner } from './runners/node.js';
import { pythonRunner } from './runners/python.js';
import { packageRoot } from './paths.js';
import { builtinRunners, ProcessHost } from './runners/index.js';
import { openStore, type Store } from './store/index.js';
import type { Consumer } from './store/consumer.js';
import { depths, type LocalConsumers } from './store/queue.js';
import { VERSION } from './version.js';
import { createEventDeps, injectTriggerRunner, TRIGGER_INSTANCE_QUEUE } from './events/index.js';
import { setupEventsAndRules } from './rules/node.js';
import { startEventRetention } from './rules/retention.js';
import { eventsAndRulesRoutes } from './api/routes/rules.js';
import { sensorPackContent } from './sensors/pack-sensors.js';
import { setupSensors } from './sensors/node.js';
import { createInquiryService, INQUIRY_QUEUE } from './inquiries/service.js';
import { inquiryRoutes } from './api/routes/inquiries.js';

// Every queue of the work queue, shown by `squall status` even when empty.
const QUEUES = [EXECUTION_QUEUE, TRIGGER_INSTANCE_QUEUE, TIMEOUT_QUEUE, INQUIRY_QUEUE];

export interface RunningServer {
  store: Store;
  /** The API (when the node has the api role), for tests to `inject()` into. */
  api: FastifyInstance | null;
  /** The URL the API listens on, or null. */
  url: string | null;
  apiKey: string;
  executions: ExecutionDeps;
  /** The datastore (its onChange hooks emit the core.st2.key_value_pair.* triggers). */
  datastore: DatastoreDeps;
  /** Authentication, RBAC (authorizer.authorize) and audit. */
  auth: AuthServices;
  close(): Promise<void>;
}

export async function startServer(config: Config, log: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  const started = Date.now();
  const store = await openStore({ url: config.db });
  const now = () => Date.now();
  const auth = await createAuthServices(store, config.home, now, log);
  const datastore = createDatastore(store, config.home, now);
  // Rules act with their owner's permissions, workflow tasks and action templates with those
  // of the user who started the execution; work with no user acts for the system.
  const kv = kvReader(datastore, auth.onBehalf.mayDecrypt);
  // Action processes are forked by a small helper process: a fork from the server blocks its event loop.
  const processHost = new ProcessHost(log);
  const runners = builtinRunners(kv, processHost.spawn);
  // A job this node writes for a queue it consumes goes to its consumer directly (no claim).
  const localConsumers: LocalConsumers = new Map();
  const events = { ...createEventDeps(now, config.dedupeWindowSeconds * 1000), localConsumers };
  runners.set('inject-trigger', injectTriggerRunner(store, events));
  const controls = new Map<string, RunControl>();
  const catalog = createCatalog(store, now);
  const executions: ExecutionDeps = {
    store, now, log, node: config.node, runners, localConsumers,
    findAction: catalog.findAction,
    packDir: catalog.packDir,
    policies: catalog.policies,
    onFinished: [],
    onChildStatus: [],
    controls,
  };
  // The API's URL once it listens; before that (and on nodes without the api role), where it is configured to.
  let url: string | null = null;
  const workflows = createWorkflowRuntime(executions, {
    mayExecute: auth.onBehalf.mayExecute, kv, apiUrl: () => `${url ?? `http://${config.host}:${config.port}`}/api/v1`,
  });
  runners.set(workflows.runner.name, workflows.runner);
  controls.set(workflows.runner.name, workflows.control);
  executions.onFinished.push(workflows.onChildFinished);
  executions.onChildStatus.push(workflows.onChildStatus);
  const inquiries = createInquiryService(executions, events);
  runners.set(inquiries.runner.name, inquiries.runner);
  controls.set(inquiries.runner.name, inquiries.control);

  // Every datastore secret is masked wherever an execution could echo it (issue 6).
  executions.knownSecrets = createSecretValues(datastore);
  // Code actions (node, python-script) read the datastore and their pack's config.
  const actionServices = { datastore, packConfig: (pack: string) => resolvePackConfig(datastore, pack) };
  const pool = { size: config.runnerPoolSize, idleMs: config.runnerPoolIdleSeconds * 1000, maxExecutions: config.runnerPoolMaxExecutions };
  runners.set('node', nodeRunner(actionServices, pool));
  runners.set('python-script', pythonRunner(actionServices, join(config.home, 'virtualenvs'), pool, config.pythonForkPerExecution));
  const stops: Array<() => Promise<void>> = [];
  const stopLocal = (queue: string, consumer: Consumer) => {
    localConsumers.delete(queue);
    return consumer.stop();
  };
  // Stopped last (stops run in reverse): the scheduler has let its executions go by then.
  stops.push(async () => {
    for (const r of runners.values()) await r.close?.();
    await processHost.close();
  });
  const eventsAndRules = await setupEventsAndRules({
    store, now, log, events, executions, datastore, kv, mayExecute: auth.onBehalf.mayExecute,
  });
  const packs = createPackDeps(store, now, runners, { validateEntryPoint: { orquesta: validateWorkflowFile, node: checkNodeEntryPoint }, contents: [sensorPackContent(now), packConfigContent(config.home), eventsAndRules.packContent], onChange: [catalog.clear] });
  await registerPack(packs, join(packageRoot(), 'packs', 'core'));
  for (const dir of config.packs) await registerPack(packs, dir);

  if (config.roles.includes('rules')) {
    const engine = eventsAndRules.startEngine({ concurrency: config.rulesConcurrency, leaseMs: config.leaseSeconds * 1000, pollMs: config.pollSeconds * 1000 });
    stops.push(() => stopLocal(TRIGGER_INSTANCE_QUEUE, engine));
    localConsumers.set(TRIGGER_INSTANCE_QUEUE, engine);
    const retention = startEventRetention(eventsAndRules.rules, config.eventRetentionDays);
    stops.push(async () => retention.stop());
  }
  const sensors = setupSensors({
    store, now, log, node: config.node, events, datastore, roles: config.roles,
    sensorOptions: { leaseMs: config.leaseSeconds * 1000, scanMs: Math.max(1000, (config.leaseSeconds * 1000) / 6) },
    timerOptions: { pollMs: Math.min(1000, config.pollSeconds * 1000) },
  });
  stops.push(() => sensors.stop());
  const purger = startKvPurger({ ...datastore, log });
  stops.push(async () => {
    purger.stop();
    auth.authorizer.close();
    catalog.close();
  });
  if (config.roles.includes('scheduler')) {
    const scheduler = startScheduler(executions, { concurrency: config.concurrency, leaseMs: config.leaseSeconds * 1000, pollMs: config.pollSeconds * 1000 });
    stops.push(() => stopLocal(EXECUTION_QUEUE, scheduler));
    processHost.warm();
    localConsumers.set(EXECUTION_QUEUE, scheduler);
    const expiry = inquiries.startExpiry({ leaseMs: config.leaseSeconds * 1000, pollMs: config.pollSeconds * 1000 });
    stops.push(() => expiry.stop());
    const retention = startRetention(executions, config.retentionDays);
    stops.push(async () => retention.stop());
  }

  if (config.roles.includes('workflow')) {
    const timeouts = startTimeouts(executions, workflows, { leaseMs: config.leaseSeconds * 1000, pollMs: config.pollSeconds * 1000 });
    stops.push(() => timeouts.stop());
  }

  let api: FastifyInstance | null = null;
  if (config.roles.includes('api')) {
    api = await buildApi({
      executions,
      verifyKey: auth.verifyKey,
      auth: { ...auth, getExecution: (id) => getExecution(executions, id) },
      maskSecrets: (list) => maskExecutions(executions, list),
      log,
      bodyLimitBytes: Math.round(config.bodyLimitMb * 1024 * 1024),
      status: async () => ({
        version: VERSION,
        node: config.node,
        roles: config.roles,
        store: store.description,
        uptime_seconds: Math.round((Date.now() - started) / 1000),
        queues: await store.read((tx) => depths(tx, QUEUES, now())),
      }),
    }, [(app) => packRoutes(app, packs), (app) => packInstallRoutes(app, packs, join(config.home, 'virtualenvs')), (app) => runnerRoutes(app, runners), securityRoutes(auth, datastore), ...eventsAndRulesRoutes(eventsAndRules), sensors.routes, inquiryRoutes(inquiries)]);
    const address = await api.listen({ host: config.host, port: config.port });
    url = address;
  }

  const creds = await ensureAdminCredentials(store, config.home, url ?? `http://${config.host}:${config.port}`, now);
  // Ready only once the credentials the CLI reads are on disk.
  if (url) log.info({ url, store: store.description, ms: Date.now() - started }, 'squall server ready');
  return {
    store, api, url, apiKey: creds.api_key, executions, datastore, auth,
    async close() {
      await api?.close();
      for (const stop of stops.reverse()) await stop();
      await store.close();
    },
  };
}
