// The CLI's one printer: aligned tables for people, exactly one JSON document with --json.
import { SquallError, formatPlace } from '../errors.js';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Prints rows as an aligned table with the given columns (header = column name upper-cased). */
export function printTable(rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): void {
  // Line breaks and tabs become one space; other spaces stay (a task tree indents with them).
  const text = rows.map((r) => columns.map((c) => cell(r[c]).replace(/\s*[\t\r\n]\s*/g, ' ')));
  const header = columns.map((c) => c.toUpperCase());
  const widths = columns.map((_, i) => Math.max(header[i]!.length, ...text.map((t) => Math.min(t[i]!.length, 60))));
  const line = (parts: string[]) =>
    parts.map((p, i) => (i === parts.length - 1 ? p : p.slice(0, 60).padEnd(widths[i]!))).join('  ').trimEnd();
  process.stdout.write([line(header), ...text.map(line)].join('\n') + '\n');
}

/** Prints one object as "key: value" lines. */
export function printRecord(record: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  for (const [k, v] of Object.entries(record)) {
    const s = typeof v === 'object' && v !== null ? JSON.stringify(v, null, 2) : cell(v);
    process.stdout.write(`${k.padEnd(width)}  ${s}\n`);
  }
}

/** One line for the error plus its hint on stderr; the exit code to use. */
export function reportError(err: unknown): number {
  if (err instanceof SquallError) {
    const place = formatPlace(err.where);
    // Messages already in the "file:line: field message" form (pack problems) keep their place.
    const placed = !place || err.message.startsWith(place) || (err.where.file !== undefined && err.message.startsWith(err.where.file));
    const msg = placed ? err.message : `${place}: ${err.message}`;
    process.stderr.write(`error: ${msg}\n  hint: ${err.hint}\n`);
    return 1;
  }
  process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}
