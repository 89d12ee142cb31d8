// The matcher's plan for one trigger's rules. Every criterion of the rules, top-level or
// inside any:/all:/not: groups, becomes an id into one table of tests, where identical
// criteria (same key, operator and pattern) get one id; every payload path they read
// becomes an id into one table of paths. Deciding an event walks flat arrays: each
// distinct path is looked up, and each distinct test run, at most once per event, however
// many rules share it (measured: 2.3× the rate of one closure per rule; README, benchmarks).
import { leafPassesOn, type EvalContext, type Leaf, type Node } from './criteria.js';
import type { CompiledRule } from './definition.js';
import { passesFast, type FastTest } from './fast-tests.js';
import { compileLookup, ownValue, singleKey, type Segment } from './payload-path.js';
import { searchTest } from './predicate.js';

/** Decides one criterion for the plan's current event. */
type Test = (plan: Plan) => boolean;

export interface Plan {
  /** Test t is the fast test fast[t] of the value at path testPath[t] when testPath[t] >= 0, else tests[t](plan). */
  testPath: Int32Array;
  fast: ReadonlyArray<FastTest | null>;
  tests: ReadonlyArray<Test | null>;
  /** Rule at slot i has the test ids ids[start[i]] … ids[start[i + 1] - 1] (all must pass), cheapest first. */
  start: Int32Array;
  ids: Int32Array;
  /** Per-event memo of the tests: memo[t] is epoch * 2 + outcome once test t ran for this event. */
  memo: Uint32Array;
  /** Lookups of the distinct payload paths (the key itself for a single plain key), and their per-event memo (valid when valueStamp[p] === epoch). */
  keys: ReadonlyArray<string | null>;
  paths: ReadonlyArray<(payload: unknown) => unknown>;
  values: unknown[];
  valueStamp: Uint32Array;
  /** Below 2^31, so epoch * 2 + 1 fits the memo. */
  epoch: number;
  /** The event being decided (between beginEvent and endEvent). */
  roots: Record<string, unknown>;
  ctx: EvalContext | null;
}

// Exact text of a JSON-like pattern (JSON.stringify reads NaN, ±Infinity as null and -0
// as 0), or null for anything else, which is then never shared.
function patternText(v: unknown): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v !== 'object') return null;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (Array.isArray(v)) {
    const parts = v.map(patternText);
    return parts.every((p) => p !== null) ? `[${parts.join(',')}]` : null;
  }
  if (proto !== Object.prototype && proto !== null) return null;
  const parts = Object.entries(v).map(([k, x]) => {
    const t = patternText(x);
    return t === null ? null : `${JSON.stringify(k)}:${t}`;
  });
  return parts.every((p) => p !== null) ? `{${parts.join(',')}}` : null;
}

// Templated criteria are shared too: Jinja renders the same text over the same event to the
// same value (EvalContext.render). Not when the text holds YAQL, which renderValue would run
// instead, and whose random() would then be drawn once for several rules.
const unshareable = (leaf: Leaf) => leaf.templated && (leaf.pattern as string).includes('<%');

/** A text naming what a criterion decides, or null when it cannot be shared. */
function nodeKey(n: Node): string | null {
  if (n.kind === 'leaf') {
    if (unshareable(n) || (n.children && !n.children.items.every((c) => nodeKey(c) !== null))) return null;
    const pattern = patternText(n.pattern);
    return pattern === null ? null : `${JSON.stringify([n.key, n.type, n.condition ?? null])}${pattern}`;
  }
  const keys = n.items.map(nodeKey);
  return keys.every((k) => k !== null) ? `${n.kind}(${keys.join(',')})` : null;
}

const pathKey = (path: readonly Segment[]) => path.map((s) => (typeof s === 'string' ? JSON.stringify(s) : typeof s === 'number' ? String(s) : '*')).join('.');

// Roots between events: the plan holds no payload once its event is decided.
const IDLE: Record<string, unknown> = Object.freeze({ trigger: Object.freeze({}) });

/** The value at path `id` for the current event, looked up once. */
function valueOf(plan: Plan, id: number): unknown {
  if (plan.valueStamp[id] === plan.epoch) return plan.values[id];
  const key = plan.keys[id]!;
  const v = key !== null ? ownValue(plan.roots.trigger, key) : plan.paths[id]!(plan.roots.trigger);
  plan.values[id] = v;
  plan.valueStamp[id] = plan.epoch;
  return v;
}

/** Test `id`'s outcome for the current event, run once. */
function testOf(plan: Plan, id: number): boolean {
  const m = plan.memo[id]!;
  if (m >>> 1 === plan.epoch) return (m & 1) === 1;
  const path = plan.testPath[id]!;
  const ok = path >= 0 ? passesFast(plan.fast[id]!, valueOf(plan, path)) : plan.tests[id]!(plan);
  plan.memo[id] = plan.epoch * 2 + (ok ? 1 : 0);
  return ok;
}

// Relative costs, to run the cheap tests of a rule (and of a group) first: the outcome of
// an and/or of pure tests does not depend on their order, only the time to reach it.
const COST_FAST = 0;
const COST_OPERATOR = 1;
const COST_SEARCH = 2;
const COST_TEMPLATE = 4;

function groupTest(kind: 'all' | 'any' | 'not', kids: Int32Array): Test {
  if (kind === 'any') return (p) => {
    for (let i = 0; i < kids.length; i++) if (testOf(p, kids[i]!)) return true;
    return false;
  };
  const all: Test = (p) => {
    for (let i = 0; i < kids.length; i++) if (!testOf(p, kids[i]!)) return false;
    return true;
  };
  return kind === 'not' ? (p) => !all(p) : all;
}

function leafTest(leaf: Leaf, path: number): Test {
  if (leaf.children) {
    const search = searchTest(leaf);
    return (p) => search(valueOf(p, path), p.ctx!);
  }
  return (p) => leafPassesOn(leaf, valueOf(p, path), p.roots, p.ctx!);
}

const leafCost = (leaf: Leaf) => (leaf.templated ? COST_TEMPLATE : leaf.test ? COST_FAST : leaf.children ? COST_SEARCH : COST_OPERATOR);

export function buildPlan(rules: readonly CompiledRule[]): Plan {
  const pathIds = new Map<string, number>();
  const keys: Array<string | null> = [];
  const paths: Array<(payload: unknown) => unknown> = [];
  const testIds = new Map<string, number>();
  const testPath: number[] = [];
  const fast: Array<FastTest | null> = [];
  const tests: Array<Test | null> = [];
  const costs: number[] = [];

  const pathId = (path: readonly Segment[]): number => {
    const key = pathKey(path);
    let id = pathIds.get(key);
    if (id === undefined) {
      keys.push(singleKey(path));
      pathIds.set(key, (id = paths.push(compileLookup(path)) - 1));
    }
    return id;
  };
  // Cheapest first, in a stable order.
  const byCost = (ids: number[]) => Int32Array.from(ids.map((id, i) => [costs[id]!, i, id] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]));
  const testId = (n: Node): number => {
    // all: of one criterion is that criterion (a not: holds its map as one).
    if (n.kind === 'all' && n.items.length === 1) return testId(n.items[0]!);
    const key = nodeKey(n);
    const known = key === null ? undefined : testIds.get(key);
    if (known !== undefined) return known;
    let cost: number;
    if (n.kind === 'leaf') {
      const path = pathId(n.path);
      testPath.push(n.test ? path : -1);
      fast.push(n.test);
      tests.push(n.test ? null : leafTest(n, path));
      cost = leafCost(n);
    } else {
      const kids = n.items.map(testId);
      testPath.push(-1);
      fast.push(null);
      tests.push(groupTest(n.kind, byCost(kids)));
      cost = 1 + Math.max(0, ...kids.map((k) => costs[k]!));
    }
    const id = costs.push(cost) - 1;
    if (key !== null) testIds.set(key, id);
    return id;
  };

  const start = new Int32Array(rules.length + 1);
  const ids: number[] = [];
  rules.forEach((cr, slot) => {
    start[slot] = ids.length;
    ids.push(...byCost(cr.criteria.items.map(testId)));
  });
  start[rules.length] = ids.length;
  return {
    testPath: Int32Array.from(testPath), fast, tests, start, ids: Int32Array.from(ids), memo: new Uint32Array(tests.length),
    keys, paths, values: new Array<unknown>(paths.length).fill(undefined), valueStamp: new Uint32Array(paths.length), epoch: 0,
    roots: IDLE, ctx: null,
  };
}

/** Starts deciding `payload`: forgets the memoised results of the previous event. */
export function beginEvent(plan: Plan, payload: Record<string, unknown>, ctx: EvalContext): void {
  plan.epoch = (plan.epoch + 1) & 0x7fffffff;
  if (plan.epoch === 0) {
    plan.memo.fill(0);
    plan.valueStamp.fill(0);
    plan.epoch = 1;
  }
  plan.roots = { trigger: payload };
  plan.ctx = ctx;
}

/** Ends the event, so the plan does not hold on to its payload. */
export function endEvent(plan: Plan): void {
  plan.roots = IDLE;
  plan.ctx = null;
}

/** Whether the rule at `slot` passes for the current event (same outcome as evaluating its criteria alone). */
export function rulePasses(plan: Plan, slot: number): boolean {
  const { ids, start } = plan;
  for (let k = start[slot]!, end = start[slot + 1]!; k < end; k++) if (!testOf(plan, ids[k]!)) return false;
  return true;
}
