// Issue 5's figures: the matcher alone, webhook → execution started latency, sustained webhook load, MQTT ingest.
import type { Benchmark } from './harness.js';
import { matcherBenchmark } from './matcher.js';
import { mqttBenchmarks } from './mqtt.js';
import { webhookBenchmarks } from './webhooks.js';

export const eventBenchmarks: Benchmark[] = [matcherBenchmark, ...webhookBenchmarks, ...mqttBenchmarks];
