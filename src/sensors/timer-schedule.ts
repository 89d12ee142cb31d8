// When st2's timer triggers fire: core.st2.IntervalTimer (unit + delta), core.st2.DateTimer
// (date + timezone) and core.st2.CronTimer (APScheduler's cron fields + timezone). Pure:
// every function takes the times it needs.
import { CronExpressionParser } from 'cron-parser';
import { SquallError } from '../errors.js';

export const INTERVAL_TIMER = 'core.st2.IntervalTimer';
export const DATE_TIMER = 'core.st2.DateTimer';
export const CRON_TIMER = 'core.st2.CronTimer';
export const TIMER_TYPES = [INTERVAL_TIMER, DATE_TIMER, CRON_TIMER] as const;

const UNIT_MS: Record<string, number> = { seconds: 1_000, minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 };

/** The interval of an IntervalTimer in ms. */
export function intervalMs(params: Record<string, unknown>): number {
  const unit = UNIT_MS[String(params.unit)];
  const delta = Number(params.delta);
  if (!unit || !Number.isInteger(delta) || delta < 1) {
    throw new SquallError('RULE_INVALID', `IntervalTimer needs unit (seconds … weeks) and a positive integer delta (got ${JSON.stringify(params)})`, { field: 'trigger.parameters' });
  }
  return unit * delta;
}

/** The offset of `tz` from UTC at instant `ms`, in ms (Intl knows every IANA zone). */
function zoneOffsetMs(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms));
  const v = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(v('year'), v('month') - 1, v('day'), v('hour'), v('minute'), v('second')) - Math.floor(ms / 1000) * 1000;
}

/**
 * A DateTimer's date as epoch ms. st2 takes "YYYY-MM-DD HH:MM:SS" in `timezone` (default
 * UTC); an ISO date with its own offset or Z is taken as written.
 */
export function parseTimerDate(date: string, tz = 'UTC'): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(date.trim());
  if (!m) {
    const ms = Date.parse(date);
    if (Number.isNaN(ms)) throw new SquallError('RULE_INVALID', `DateTimer date ${JSON.stringify(date)} is not a date (use "YYYY-MM-DD HH:MM:SS")`, { field: 'trigger.parameters.date' });
    return ms;
  }
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s) + Number(`0.${m[7] ?? 0}`) * 1000;
  // Two passes: the offset at the guessed instant, then at the corrected one (DST edges).
  const first = wall - zoneOffsetMs(wall, tz);
  return wall - zoneOffsetMs(first, tz);
}

// APScheduler's fields, most significant first. Fields after the least significant one
// given default to their minimum, those before it to '*' (week and day_of_week always '*').
const CRON_FIELDS = ['year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second'] as const;
const DOW_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** APScheduler's day_of_week (0 = Monday) in names, which cron reads unambiguously. */
function dayOfWeek(v: string): string {
  return v.replace(/\d/g, (d) => DOW_NAMES[Number(d)] ?? d);
}

/** The cron expression (with seconds) for a CronTimer's st2 fields. */
export function cronExpression(params: Record<string, unknown>): { expr: string; year: string | null } {
  const given = CRON_FIELDS.filter((f) => params[f] !== undefined && params[f] !== null);
  if (given.includes('week')) throw new SquallError('RULE_INVALID', 'CronTimer field week (ISO week number) is not supported; use day and month', { field: 'trigger.parameters.week' });
  const last = given.length ? Math.max(...given.map((f) => CRON_FIELDS.indexOf(f))) : CRON_FIELDS.length;
  const field = (f: (typeof CRON_FIELDS)[number], min: string): string => {
    const v = params[f];
    if (v !== undefined && v !== null) return String(v);
    return CRON_FIELDS.indexOf(f) > last && f !== 'day_of_week' ? min : '*';
  };
  const dow = field('day_of_week', '*');
  const expr = [field('second', '0'), field('minute', '0'), field('hour', '0'), field('day', '1'), field('month', '1'), dow === '*' ? '*' : dayOfWeek(dow)].join(' ');
  const year = params.year === undefined || params.year === null ? null : String(params.year);
  return { expr, year };
}

/** Whether `y` matches an APScheduler year field ("2026", "2026-2028", "*", lists). */
function yearMatches(field: string, y: number): boolean {
  return field.split(',').some((part) => {
    if (part === '*') return true;
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? y === a : y >= a! && y <= b;
  });
}

/** The first fire time strictly after `afterMs` of a CronTimer, or null (none within 1,000 matches). */
export function nextCronFire(params: Record<string, unknown>, afterMs: number): number | null {
  const { expr, year } = cronExpression(params);
  let it;
  try {
    it = CronExpressionParser.parse(expr, { currentDate: new Date(afterMs), tz: String(params.timezone ?? 'UTC') });
  } catch (err) {
    throw new SquallError('RULE_INVALID', `CronTimer fields give the invalid schedule "${expr}": ${(err as Error).message}`, { field: 'trigger.parameters' }, { cause: err });
  }
  for (let i = 0; i < 1000; i++) {
    const t = it.next().getTime();
    if (year === null || yearMatches(year, new Date(t).getUTCFullYear())) return t;
  }
  return null;
}

/**
 * The first fire time of a timer trigger after `afterMs` (strictly), given its previous
 * scheduled time (`prevMs`, null for a new timer), or null when it fires no more.
 */
export function nextFire(type: string, params: Record<string, unknown>, afterMs: number, prevMs: number | null): number | null {
  if (type === INTERVAL_TIMER) {
    const every = intervalMs(params);
    const anchor = prevMs ?? afterMs;
    // Keep the cadence of the anchor (no drift), skipping to the first slot after afterMs.
    return anchor + (Math.floor((afterMs - anchor) / every) + 1) * every;
  }
  if (type === DATE_TIMER) {
    // Fires once: a new timer's date (even a past one: the misfire policy decides), then never.
    return prevMs === null ? parseTimerDate(String(params.date), String(params.timezone ?? 'UTC')) : null;
  }
  if (type === CRON_TIMER) return nextCronFire(params, afterMs);
  throw new SquallError('TRIGGER_NOT_FOUND', `${type} is not a timer trigger type`);
}
