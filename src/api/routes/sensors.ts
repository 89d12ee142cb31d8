// /api/v1/sensortypes (st2's name for the sensors): list, get, enable/disable. What a sensor
// is doing (state, node, pid, restarts, last error) comes from its row, which the node
// holding its lease keeps current.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SquallError } from '../../errors.js';
import * as rows from '../../store/sensors.js';
import type { SensorRecord } from '../../store/sensors.js';
import type { Store } from '../../store/types.js';

export interface SensorRouteDeps {
  store: Store;
  now: () => number;
  /** Tells this node's sensor container to re-read the rows now (absent without the sensors role). */
  rescan?: () => Promise<void>;
}

const RefParams = Type.Object({ ref: Type.String({ minLength: 1 }) });
const ListQuery = Type.Object({ pack: Type.Optional(Type.String()) });
const PutBody = Type.Object({ enabled: Type.Boolean() });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function sensorToApi(s: SensorRecord) {
  const d = s.definition;
  return {
    id: s.ref, ref: s.ref, pack: s.pack, name: s.name,
    class_name: d.class_name ?? s.name, type: s.kind, entry_point: d.entry_point ?? null,
    description: d.description ?? '', poll_interval: d.poll_interval ?? null,
    trigger_types: d.trigger_types ?? [], trigger: d.trigger ?? null,
    enabled: s.enabled, state: s.state, restarts: s.restarts, last_error: s.last_error,
    last_exit_at: iso(s.last_exit_at), node: s.lease_owner, pid: s.pid,
    file: s.source_file, updated_at: iso(s.updated_at),
  };
}

async function setEnabled(deps: SensorRouteDeps, ref: string, enabled: boolean) {
  const s = await deps.store.tx(async (tx) => {
    if (!(await rows.setSensorEnabled(tx, ref, enabled, deps.now()))) throw new SquallError('SENSOR_NOT_FOUND', `no sensor ${ref}`);
    return (await rows.getSensor(tx, ref))!;
  });
  await deps.rescan?.();
  return sensorToApi(s);
}

export function sensorRoutes(app: FastifyInstance, deps: SensorRouteDeps): void {
  app.get('/api/v1/sensortypes', { schema: { querystring: ListQuery } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    return (await deps.store.read((tx) => rows.listSensors(tx, q.pack))).map(sensorToApi);
  });

  app.get('/api/v1/sensortypes/:ref', { schema: { params: RefParams } }, async (req) => {
    const { ref } = req.params as Static<typeof RefParams>;
    const s = await deps.store.read((tx) => rows.getSensor(tx, ref));
    if (!s) throw new SquallError('SENSOR_NOT_FOUND', `no sensor ${ref}`);
    return sensorToApi(s);
  });

  // st2 enables and disables with PUT of the sensor; only `enabled` may change here.
  app.put('/api/v1/sensortypes/:ref', { schema: { params: RefParams, body: PutBody } }, async (req) => {
    return setEnabled(deps, (req.params as Static<typeof RefParams>).ref, (req.body as Static<typeof PutBody>).enabled);
  });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/api/v1/sensortypes/:ref/${verb}`, { schema: { params: RefParams } }, async (req) => {
      return setEnabled(deps, (req.params as Static<typeof RefParams>).ref, enabled);
    });
  }
}
