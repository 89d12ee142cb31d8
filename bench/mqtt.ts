// Issue 5's MQTT figure: messages from several mosquitto_pub-style publishers (QoS 1, each its
// own connection) on the machine's Mosquitto, turned into trigger instances by a built-in MQTT
// source of a real `squall server`; every message must be stored, none lost. Publishers offer
// SQUALL_BENCH_MQTT_RATE (default 6,000/s: above the 5,000/s target, so the stored rate shows
// whether the server keeps up) for SQUALL_BENCH_MQTT_SECONDS (default 20).
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { spawnServer } from './server-process.js';
import type { Benchmark, Figure } from './harness.js';

const BROKER = process.env.SQUALL_BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const PUBLISHERS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pack whose one sensor is an MQTT source on `topic/#`. */
function mqttPack(topic: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-mqttbench-'));
  mkdirSync(join(dir, 'sensors'));
  writeFileSync(join(dir, 'pack.yaml'), 'name: mqttbench\nversion: 1.0.0\ndescription: MQTT benchmark\nauthor: bench\nemail: bench@localhost\n');
  writeFileSync(join(dir, 'sensors', 'messages.yaml'), `name: messages
type: mqtt
url: ${BROKER}
topics: ["${topic}/#"]
qos: 1
trigger_types:
  - name: message
    payload_schema: {type: object}
`);
  return dir;
}

async function mqttIngest(): Promise<Figure[]> {
  const seconds = Number(process.env.SQUALL_BENCH_MQTT_SECONDS ?? 20);
  const rate = Number(process.env.SQUALL_BENCH_MQTT_RATE ?? 6000);
  const topic = `squall-bench/${process.pid}-${Date.now()}`;
  const pack = mqttPack(topic);
  const s = await spawnServer({ extraArgs: ['--pack', pack] });
  const db = new Database(join(s.home, 'squall.db'), { readonly: true });
  const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, () => mqtt.connectAsync(BROKER, { clean: true })));
  try {
    const headers = { 'St2-Api-Key': s.apiKey };
    for (let i = 0; ; i++) {
      const sensor = (await (await fetch(`${s.url}/api/v1/sensortypes/mqttbench.messages`, { headers })).json()) as { state?: string };
      if (sensor.state === 'running') break;
      if (i > 300) throw new Error(`the MQTT source did not start (${JSON.stringify(sensor)})`);
      await sleep(50);
    }
    // The source subscribes as it starts: one message through first, then the clock runs.
    await publishers[0]!.publishAsync(`${topic}/warm`, JSON.stringify({ warm: true }), { qos: 1 });
    const stored = db.prepare("select count(*) as n from trigger_instances where trigger_ref = 'mqttbench.message'");
    const count = () => (stored.get() as { n: number }).n;
    while (count() < 1) await sleep(20);
    // Open loop: every 10 ms each publisher sends its share of what the rate owes by now.
    let sent = 0;
    const t0 = performance.now();
    const acks: Array<Promise<unknown>> = [];
    while (performance.now() - t0 < seconds * 1000) {
      const owed = Math.floor(((performance.now() - t0) / 1000) * rate) - sent;
      for (let k = 0; k < owed; k++) {
        const n = sent++;
        acks.push(publishers[n % PUBLISHERS]!.publishAsync(`${topic}/p${n % PUBLISHERS}`, JSON.stringify({ n, at: Date.now() }), { qos: 1 }));
      }
      await sleep(10);
    }
    await Promise.all(acks);
    const sendSeconds = (performance.now() - t0) / 1000;
    // Every message stored: wait until the count stops short of nothing (or stops moving).
    let last = -1;
    let still = 0;
    while (count() < sent + 1 && still < 50) {
      const now = count();
      still = now === last ? still + 1 : 0;
      last = now;
      await sleep(100);
    }
    const allSeconds = (performance.now() - t0) / 1000;
    const got = count() - 1;
    return [
      { name: `MQTT messages offered (${PUBLISHERS} QoS 1 publishers, ${rate}/s for ${seconds} s)`, unit: 'msg/s', value: sent / sendSeconds },
      { name: 'MQTT messages stored as trigger instances (send + drain)', unit: 'msg/s', value: got / allSeconds, target: '≥ 5000' },
      { name: 'MQTT messages lost (sent − stored)', unit: 'msg', value: sent - got, target: '0' },
    ];
  } finally {
    await Promise.all(publishers.map((p) => p.endAsync()));
    db.close();
    await s.stop();
    rmSync(pack, { recursive: true, force: true });
  }
}

export const mqttBenchmarks: Benchmark[] = [{ name: 'mqtt-ingest', repeat: 3, run: mqttIngest }];
