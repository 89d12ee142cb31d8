// The CLI's one printer: aligned tables for people, exactly one JSON document with --json
// (the command's result, or the error as {faultstring, code, hint, …}).
import type { Fault } from '../api/errors.js';
import { SquallError, codes } from '../errors.js';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A command's outcome: `value` as the one JSON document with --json, else `human` (a line, or a printer) for people. */
export function printOutcome(json: boolean | undefined, value: unknown, human: string | (() => void)): void {
  if (json) printJson(value);
  else if (typeof human === 'string') process.stdout.write(human + '\n');
  else human();
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

/** True when the command line asks for JSON: `--json` among the arguments (before a `--`). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** The error as the API answers it: {faultstring, code, hint} and, when known, where and details. */
function faultOf(err: unknown): Fault {
  if (err instanceof SquallError) {
    return {
      faultstring: err.message, code: err.code, hint: err.hint,
      ...(Object.keys(err.where).length ? { where: err.where } : {}),
      ...(err.details === undefined ? {} : { details: err.details }),
    };
  }
  // An error without a code is a bug in the CLI.
  return { faultstring: (err as Error)?.message ?? String(err), code: 'INTERNAL', hint: codes.INTERNAL.hint };
}

/**
 * The CLI's one place that turns an error into output: with --json the fault as the one JSON
 * document on stdout, else one line and the hint on stderr. The message already names the
 * place (file:line, position, field), so it is printed as it is. Returns the exit code.
 */
export function reportError(err: unknown, json: boolean): number {
  const fault = faultOf(err);
  if (json) printJson(fault);
  else process.stderr.write(`error: ${fault.faultstring}\n  hint: ${fault.hint!}\n`);
  return 1;
}
