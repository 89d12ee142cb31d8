// Windows and cooldown (beyond st2): a rule fires when an aggregate over the events that
// passed its criteria within the last `period` holds, at most once per `cooldown`, per
// `group_by` value. Pure: the engine loads and saves the state in its transaction, and
// time is the events' occurrence time, so a replay over stored events decides the same.
import type { Path } from '../packs/problems.js';
import { lookup, parseKey, type Segment } from './payload-path.js';
import type { RuleProblem } from './model.js';

export interface WindowSpec {
  periodMs: number;
  groupBy: { key: string; path: Segment[] } | null;
  aggregate: { fn: AggregateFn; arg: string; path: Segment[] | null; op: Comparison; threshold: number; text: string };
}

type AggregateFn = 'count' | 'sum' | 'avg' | 'min' | 'max';
type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';

export interface WindowState {
  /** [occurrence time, aggregated value] of the events still inside the period, oldest first. */
  events: Array<[number, number | null]>;
  cooldownUntil: number;
}

/** Events kept per window and group; older ones are dropped first when a burst exceeds it. */
export const MAX_WINDOW_EVENTS = 10_000;

/** Parses "500ms", "10s", "5m", "2h", "1d" or a number of seconds. */
export function parseDuration(v: unknown): number | null {
  if (typeof v === 'number' && v > 0) return v * 1000;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n > 0 ? n * unit : null;
}

const AGGREGATE = /^\s*(count|sum|avg|min|max)\s*\(\s*([^)]*?)\s*\)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/;

export function compileWindow(raw: unknown, at: Path, problems: RuleProblem[]): WindowSpec | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ path: at, message: 'must be a map with period, aggregate and optionally group_by' });
    return null;
  }
  const w = raw as Record<string, unknown>;
  const periodMs = parseDuration(w.period);
  if (periodMs === null) problems.push({ path: [...at, 'period'], message: `must be a duration such as 10s, 5m, 1h (got ${JSON.stringify(w.period)})` });
  let groupBy: WindowSpec['groupBy'] = null;
  if (w.group_by !== undefined) {
    const parsed = typeof w.group_by === 'string' ? parseKey(w.group_by) : null;
    if (!parsed || parsed.root !== 'trigger') problems.push({ path: [...at, 'group_by'], message: 'must be a payload key such as trigger.host' });
    else groupBy = { key: w.group_by as string, path: parsed.path };
  }
  const m = typeof w.aggregate === 'string' ? AGGREGATE.exec(w.aggregate) : null;
  let aggregate: WindowSpec['aggregate'] | null = null;
  if (!m) {
    problems.push({ path: [...at, 'aggregate'], message: `must read FN(trigger.path) OP NUMBER with FN one of count, sum, avg, min, max (e.g. "avg(trigger.load) > 20", "count() >= 5"; got ${JSON.stringify(w.aggregate)})` });
  } else {
    const fn = m[1] as AggregateFn;
    const arg = m[2]!;
    const parsed = arg ? parseKey(arg) : null;
    if (fn !== 'count' && (!parsed || parsed.root !== 'trigger')) {
      problems.push({ path: [...at, 'aggregate'], message: `${fn}() needs a payload key such as trigger.load` });
    } else if (arg && (!parsed || parsed.root !== 'trigger')) {
      problems.push({ path: [...at, 'aggregate'], message: `count() takes no argument or a payload key (got ${arg})` });
    } else {
      aggregate = { fn, arg, path: parsed ? parsed.path : null, op: m[3] as Comparison, threshold: Number(m[4]), text: (w.aggregate as string).trim() };
    }
  }
  const extra = Object.keys(w).filter((k) => !['period', 'group_by', 'aggregate'].includes(k));
  for (const k of extra) problems.push({ path: [...at, k], message: 'is not a window field (known: period, group_by, aggregate)' });
  return periodMs !== null && aggregate ? { periodMs, groupBy, aggregate } : null;
}

/** The group an event belongs to ('' without group_by). */
export function groupKey(spec: WindowSpec, payload: unknown): string {
  if (!spec.groupBy) return '';
  const v = lookup(payload, spec.groupBy.path);
  return v === undefined ? 'null' : typeof v === 'string' ? v : JSON.stringify(v);
}

function aggregateValue(fn: AggregateFn, values: number[]): number | null {
  if (fn === 'count') return values.length;
  if (values.length === 0) return null;
  if (fn === 'sum') return values.reduce((a, b) => a + b, 0);
  if (fn === 'avg') return values.reduce((a, b) => a + b, 0) / values.length;
  return fn === 'min' ? Math.min(...values) : Math.max(...values);
}

function compare(a: number, op: Comparison, b: number): boolean {
  switch (op) {
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '==': return a === b;
    default: return a !== b;
  }
}

export interface WindowStep {
  state: WindowState;
  fire: boolean;
  /** Why it did not fire, or the aggregate that made it fire. */
  reason: string;
  value: number | null;
}

/**
 * Adds one event (that passed the criteria) at time `t` and decides. On firing the window
 * starts empty again (the next firing needs a fresh set of events) and the cooldown starts.
 */
export function stepWindow(spec: WindowSpec, state: WindowState, t: number, payload: unknown, cooldownMs: number): WindowStep {
  const a = spec.aggregate;
  const raw = a.path ? lookup(payload, a.path) : null;
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : null;
  const kept = state.events.filter(([et]) => et > t - spec.periodMs && et <= t);
  kept.push([t, v]);
  const events = kept.length > MAX_WINDOW_EVENTS ? kept.slice(kept.length - MAX_WINDOW_EVENTS) : kept;
  const values = a.fn === 'count'
    ? events.filter(([, x]) => !a.path || x !== null).map(() => 1)
    : events.map(([, x]) => x).filter((x): x is number => x !== null);
  const value = aggregateValue(a.fn, values);
  const holds = value !== null && compare(value, a.op, a.threshold);
  const text = `${a.fn}(${a.arg}) = ${value === null ? 'none' : Number(value.toFixed(6))} over ${events.length} event(s) in ${spec.periodMs / 1000}s`;
  if (!holds) return { state: { ...state, events }, fire: false, reason: `window: ${a.text} not met (${text})`, value };
  if (t < state.cooldownUntil) {
    return { state: { ...state, events }, fire: false, reason: `cooldown until ${new Date(state.cooldownUntil).toISOString()} (${text})`, value };
  }
  return { state: { events: [], cooldownUntil: cooldownMs > 0 ? t + cooldownMs : 0 }, fire: true, reason: `window: ${a.text} (${text})`, value };
}
