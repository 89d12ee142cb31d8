// How a node wires sensors and timers: the `sensors` role (sensor container), the `timers`
// role, the datastore for the sensor service, and the /api/v1/sensortypes routes.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { deleteKey, getKey, setKey, type DatastoreDeps } from '../datastore/index.js';
import { SquallError } from '../errors.js';
import type { EventDeps } from '../events/index.js';
import { packDirectory } from '../packs/index.js';
import { resolvePackConfig } from '../packs/config.js';
import { sensorRoutes } from '../api/routes/sensors.js';
import type { Store } from '../store/types.js';
import type { KvScope } from '../datastore/names.js';
import { startSensorContainer, type SensorContainer, type SensorContainerOptions, type SensorKv } from './container.js';
import { startTimers, type TimerOptions } from './timers.js';

export interface SensorsSetup {
  store: Store;
  now: () => number;
  log: Logger;
  node: string;
  events: EventDeps;
  datastore?: DatastoreDeps;
  roles: readonly string[];
  sensorOptions?: Partial<SensorContainerOptions>;
  timerOptions?: Partial<TimerOptions>;
}

export interface SensorsNode {
  container: SensorContainer | null;
  routes(app: FastifyInstance): void;
  stop(): Promise<void>;
}

// Sensor processes act as the `sensor` user in the datastore's audit trail.
const SENSOR_ACTOR = { user: 'sensor' };

function datastoreKv(ds: DatastoreDeps): SensorKv {
  return {
    async get(scope, name, decrypt) {
      try {
        return (await getKey(ds, { scope: scope as KvScope, name, user: SENSOR_ACTOR.user }, { decrypt })).value;
      } catch (err) {
        // st2's get_value answers None for a missing key.
        if (err instanceof SquallError && err.code === 'KEY_NOT_FOUND') return null;
        throw err;
      }
    },
    async set(scope, name, value, ttl, secret) {
      await setKey(ds, { scope: scope as KvScope, name, user: SENSOR_ACTOR.user, value, ttl, secret }, SENSOR_ACTOR);
    },
    async delete(scope, name) {
      await deleteKey(ds, { scope: scope as KvScope, name, user: SENSOR_ACTOR.user }, SENSOR_ACTOR).catch((err) => {
        if (!(err instanceof SquallError && err.code === 'KEY_NOT_FOUND')) throw err;
      });
    },
  };
}

/** Starts the sensors and timers roles this node has; the routes work on every node. */
export function setupSensors(s: SensorsSetup): SensorsNode {
  const container = s.roles.includes('sensors')
    ? startSensorContainer({
      store: s.store, now: s.now, log: s.log, node: s.node, events: s.events,
      kv: s.datastore ? datastoreKv(s.datastore) : undefined,
      packDir: (pack) => s.store.read((tx) => packDirectory(tx, pack)),
      packConfig: s.datastore ? (pack) => resolvePackConfig(s.datastore!, pack) : undefined,
    }, s.sensorOptions)
    : null;
  const timers = s.roles.includes('timers') ? startTimers({ store: s.store, now: s.now, log: s.log, events: s.events }, s.timerOptions) : null;
  return {
    container,
    routes: (app) => sensorRoutes(app, { store: s.store, now: s.now, rescan: container ? () => container.scan() : undefined }),
    async stop() {
      await timers?.stop();
      await container?.stop();
    },
  };
}
