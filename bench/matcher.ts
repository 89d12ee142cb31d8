// Issue 5's matcher figure, in process: 100,000 trigger instances against 10,000 enabled
// rules over 100 trigger types (100 rules each), instances interleaved across the types.
// The rule mix is what monitoring rules look like: most file under an equals/iequals
// criterion (the discriminator index), the rest are open (regex, contains, comparisons,
// search, any:/not: groups) and one in twenty has a templated pattern.
import { buildIndex, matchPayload, type Rule } from '../src/rules/index.js';
import { evalContext } from '../src/rules/engine.js';
import type { Benchmark } from './harness.js';

const TYPES = 100;
const RULES = 10_000;
const INSTANCES = 100_000;

function criteriaFor(i: number): Record<string, unknown> {
  switch (i % 10) {
    case 0: case 1: case 2:
      return { 'trigger.host': { type: 'equals', pattern: `host-${i % 50}` }, 'trigger.load': { type: 'greaterthan', pattern: 10 } };
    case 3: case 4:
      return { 'trigger.status': { type: 'iequals', pattern: i % 2 ? 'CRITICAL' : 'WARNING' }, 'trigger.msg': { type: 'contains', pattern: `disk${i % 3 || ''}` } };
    case 5:
      return { 'trigger.service': { type: 'matchregex', pattern: `^svc-${i % 7}\\d*$` } };
    case 6:
      return { any: [{ 'trigger.load': { type: 'greaterthan', pattern: 80 + (i % 20) } }, { 'trigger.status': { type: 'equals', pattern: 'critical' } }], not: { 'trigger.host': { type: 'startswith', pattern: 'db-' } } };
    case 7:
      return { 'trigger.tags': { type: 'search', condition: 'any', pattern: { 'item.name': { type: 'equals', pattern: 'env' }, 'item.value': { type: 'equals', pattern: i % 4 ? 'prod' : 'dev' } } } };
    case 8:
      return { 'trigger.msg': { type: 'icontains', pattern: i % 2 ? 'TIMEOUT' : 'upstream' }, 'trigger.load': { type: 'lessthan', pattern: 30 + i } };
    default:
      return i % 20 === 9
        ? { 'trigger.load': { type: 'greaterthan', pattern: '{{ trigger.threshold }}' } }
        : { 'trigger.region': { type: 'inside', pattern: ['eu-west-1', 'us-east-1'] }, 'trigger.exists': { type: 'exists' }, 'trigger.load': { type: 'greaterthan', pattern: i } };
  }
}

export function benchRules(): Rule[] {
  return Array.from({ length: RULES }, (_, i): Rule => ({
    name: `r${i}`, pack: 'bench', description: '', enabled: true,
    trigger: { type: `bench.t${i % TYPES}`, parameters: {} },
    criteria: criteriaFor(Math.floor(i / TYPES)),
    action: { ref: 'core.noop', parameters: {} },
    id: String(i).padStart(24, '0'), ref: `bench.r${i}`, trigger_ref: `bench.t${i % TYPES}`, source_file: null, created_at: 0, updated_at: 0,
  }));
}

const STATUSES = ['ok', 'critical', 'warning', 'CRITICAL'];

export function benchPayload(n: number): Record<string, unknown> {
  return {
    host: n % 3 === 0 ? `db-${n % 50}` : `host-${n % 60}`,
    service: `svc-${n % 9}${n % 4}`,
    status: STATUSES[n % 4],
    load: n % 100,
    threshold: 50,
    msg: n % 5 === 0 ? 'disk almost full' : 'request Timeout on upstream',
    region: n % 2 ? 'eu-west-1' : 'ap-south-1',
    exists: n % 3 ? true : null,
    tags: [{ name: 'team', value: 'ops' }, { name: 'env', value: n % 2 ? 'prod' : 'dev' }],
  };
}

export const matcherBenchmark: Benchmark = {
  name: 'matcher',
  repeat: 5,
  async run() {
    const t0 = performance.now();
    const index = buildIndex(benchRules(), 1);
    const buildMs = performance.now() - t0;
    const payloads = Array.from({ length: 1000 }, (_, n) => benchPayload(n));
    const ctx = evalContext(Date.now(), {});
    let matched = 0;
    // Warm-up (JIT), then the measured pass.
    for (let n = 0; n < 10_000; n++) matchPayload(index, `bench.t${n % TYPES}`, payloads[n % 1000]!, ctx);
    const refs = Array.from({ length: TYPES }, (_, t) => `bench.t${t}`);
    const t1 = performance.now();
    for (let n = 0; n < INSTANCES; n++) matched += matchPayload(index, refs[n % TYPES]!, payloads[(n * 7) % 1000]!, ctx).length;
    const seconds = (performance.now() - t1) / 1000;
    return [
      { name: 'matcher: 100k instances × 10k rules / 100 trigger types, interleaved', unit: 'inst/s', value: INSTANCES / seconds, target: '≥ 100000' },
      { name: 'matcher: rules matched per instance (mean)', unit: 'rules', value: matched / INSTANCES },
      { name: 'matcher: index build for 10k rules', unit: 'ms', value: buildMs },
    ];
  },
};
