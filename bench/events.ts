// Issue 5's figures: the matcher alone, webhook → execution started latency, and sustained webhook load.
import type { Benchmark } from './harness.js';
import { matcherBenchmark } from './matcher.js';
import { webhookBenchmarks } from './webhooks.js';

export const eventBenchmarks: Benchmark[] = [matcherBenchmark, ...webhookBenchmarks];
