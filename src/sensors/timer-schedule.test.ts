import { describe, expect, it } from 'vitest';
import { SquallError } from '../errors.js';
import type { TimerRecord } from '../store/sensors.js';
import { CRON_TIMER, DATE_TIMER, INTERVAL_TIMER, cronExpression, intervalMs, nextCronFire, nextFire, parseTimerDate } from './timer-schedule.js';
import { dueFires } from './timers.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const timer = (type: string, parameters: Record<string, unknown>, next: number | null): TimerRecord =>
  ({ trigger_ref: 'x', trigger_type: type, parameters, next_fire_at: next, last_fired_at: null });

describe('IntervalTimer', () => {
  it('converts unit + delta and keeps its cadence without drift', () => {
    expect(intervalMs({ unit: 'seconds', delta: 5 })).toBe(5_000);
    expect(intervalMs({ unit: 'weeks', delta: 2 })).toBe(1_209_600_000);
    expect(nextFire(INTERVAL_TIMER, { unit: 'minutes', delta: 1 }, T0, null)).toBe(T0 + 60_000);
    // From the previous scheduled time, not from when the tick ran.
    expect(nextFire(INTERVAL_TIMER, { unit: 'seconds', delta: 5 }, T0 + 5_300, T0 + 5_000)).toBe(T0 + 10_000);
    expect(nextFire(INTERVAL_TIMER, { unit: 'seconds', delta: 5 }, T0 + 61_000, T0)).toBe(T0 + 65_000);
  });
  it('rejects a bad unit or delta', () => {
    expect(() => intervalMs({ unit: 'fortnights', delta: 1 })).toThrow(SquallError);
    expect(() => intervalMs({ unit: 'seconds', delta: 0 })).toThrow(/positive integer delta/);
  });
});

describe('DateTimer', () => {
  it("reads st2's date format in the given time zone, ISO dates as written", () => {
    expect(parseTimerDate('2026-07-01 12:00:00', 'Europe/Paris')).toBe(Date.parse('2026-07-01T10:00:00Z'));
    expect(parseTimerDate('2026-01-15 12:00:00', 'Europe/Paris')).toBe(Date.parse('2026-01-15T11:00:00Z'));
    expect(parseTimerDate('2026-01-15 12:00:00')).toBe(Date.parse('2026-01-15T12:00:00Z'));
    expect(parseTimerDate('2026-01-15T12:00:00+02:00', 'Asia/Tokyo')).toBe(Date.parse('2026-01-15T10:00:00Z'));
    expect(() => parseTimerDate('next tuesday')).toThrow(/not a date/);
  });
  it('fires once', () => {
    const at = Date.parse('2026-01-01T00:10:00Z');
    expect(nextFire(DATE_TIMER, { date: '2026-01-01 00:10:00' }, T0, null)).toBe(at);
    expect(nextFire(DATE_TIMER, { date: '2026-01-01 00:10:00' }, at, at)).toBeNull();
  });
});

describe('CronTimer', () => {
  it("applies APScheduler's defaults: fields below the least significant given one are their minimum", () => {
    expect(cronExpression({ hour: 2 }).expr).toBe('0 0 2 * * *');
    expect(cronExpression({ minute: '*/15' }).expr).toBe('0 */15 * * * *');
    expect(cronExpression({ day_of_week: 'mon-fri', hour: 9, minute: 30 }).expr).toBe('0 30 9 * * mon-fri');
    expect(cronExpression({}).expr).toBe('* * * * * *');
  });
  it("reads APScheduler's numeric day_of_week (0 = Monday)", () => {
    expect(cronExpression({ day_of_week: '0,4', hour: 8 }).expr).toBe('0 0 8 * * mon,fri');
  });
  it('fires in its time zone', () => {
    // 09:00 in New York is 14:00 UTC in winter.
    expect(nextCronFire({ hour: 9, timezone: 'America/New_York' }, T0)).toBe(Date.parse('2026-01-01T14:00:00Z'));
    expect(nextCronFire({ second: '*/10' }, T0 + 1)).toBe(T0 + 10_000);
    expect(nextCronFire({ month: 3, day: 1, hour: 0 }, T0)).toBe(Date.parse('2026-03-01T00:00:00Z'));
  });
  it('honours year and rejects what it cannot do', () => {
    expect(nextCronFire({ year: 2027, month: 1, day: 1 }, T0)).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(() => nextCronFire({ week: 5 }, T0)).toThrow(/week/);
    expect(() => nextCronFire({ hour: 25 }, T0)).toThrow(SquallError);
    expect(nextFire(CRON_TIMER, { minute: 0 }, T0, null)).toBe(T0 + 3_600_000);
  });
});

describe('misfires after downtime', () => {
  const every5 = { unit: 'seconds', delta: 5 };
  it('fires what is due on time', () => {
    expect(dueFires(timer(INTERVAL_TIMER, every5, T0 + 5_000), T0 + 5_010, 30_000)).toEqual({ fires: [T0 + 5_000], next: T0 + 10_000 });
    expect(dueFires(timer(INTERVAL_TIMER, every5, T0 + 5_000), T0 + 4_000, 30_000)).toEqual({ fires: [], next: T0 + 5_000 });
  });
  it('skips by default: one coalesced fire when the latest missed time is within the grace period, else none', () => {
    expect(dueFires(timer(INTERVAL_TIMER, every5, T0 + 5_000), T0 + 61_000, 30_000)).toEqual({ fires: [T0 + 60_000], next: T0 + 65_000 });
    const daily = { hour: 3 };
    const at3 = Date.parse('2026-01-01T03:00:00Z');
    expect(dueFires(timer(CRON_TIMER, daily, at3), at3 + 7_200_000, 30_000)).toEqual({ fires: [], next: Date.parse('2026-01-02T03:00:00Z') });
    expect(dueFires(timer(DATE_TIMER, { date: '2026-01-01 03:00:00' }, at3), at3 + 60_000, 30_000)).toEqual({ fires: [], next: null });
  });
  it('catches up every missed time with catch_up: true', () => {
    const plan = dueFires(timer(INTERVAL_TIMER, { ...every5, catch_up: true }, T0 + 5_000), T0 + 61_000, 30_000);
    expect(plan.fires).toEqual([...Array(12).keys()].map((i) => T0 + 5_000 * (i + 1)));
    expect(plan.next).toBe(T0 + 65_000);
  });
});
