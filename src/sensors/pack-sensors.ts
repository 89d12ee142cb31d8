// Sensors registered with their pack: the `contents` hook of the packs module, run inside
// the pack's registration transaction, so a pack with a bad sensor file is not registered.
import type { PackContent } from '../packs/index.js';
import { throwProblems } from '../packs/problems.js';
import * as eventRows from '../store/events.js';
import * as rows from '../store/sensors.js';
import { compileSensorSchemas, loadPackSensors } from './definition.js';

/** The pack content kind for sensors/*.yaml (and the trigger types they declare). */
export function sensorPackContent(now: () => number): PackContent {
  const schemas = compileSensorSchemas();
  return {
    async register(tx, dir, pack) {
      const t = now();
      const { sensors, problems } = await loadPackSensors(schemas, dir, pack, t);
      if (problems.length) throwProblems(problems);
      for (const s of sensors) {
        for (const type of s.triggerTypes) await eventRows.upsertTriggerType(tx, type);
        await rows.upsertSensor(tx, { ref: s.ref, pack, name: s.name, kind: s.kind, definition: s.definition, source_file: s.file, enabled: s.enabled }, t);
      }
      await rows.deletePackSensors(tx, pack, sensors.map((s) => s.ref));
    },
    async remove(tx, pack) {
      await rows.deletePackSensors(tx, pack, []);
    },
  };
}
