// squall expr eval: evaluates YAQL or Jinja offline, as a workflow would, with no server.
// Imports only src/expr so that 10,000 expressions in a batch stay well under two seconds.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SquallError } from '../../errors.js';
import { detectLang, evaluateExpression, renderValue, type Lang } from '../../expr/index.js';
import { printJson } from '../output.js';

/** The language asked for; without one, the language of the delimiters EXPR is wrapped in. */
function parseLang(v: unknown, expr: string): Lang {
  if (v === 'yaql' || v === 'jinja') return v;
  const detected = v === undefined ? detectLang(expr) : null;
  if (detected) return detected;
  throw new SquallError('BAD_REQUEST', `--lang must be yaql or jinja (got ${JSON.stringify(v ?? null)})`, { field: 'lang' });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SquallError('BAD_REQUEST', `${what} is not valid JSON: ${(err as Error).message}`, { field: what }, { cause: err });
  }
}

/** One expression's value; EXPR may be bare (`$.a`) or wrapped in its delimiters (`<% $.a %>`). */
export function evaluateOne(lang: Lang, expr: string, context: unknown): unknown {
  const wrapped = detectLang(expr) === lang;
  const value = wrapped ? renderValue(expr, context) : evaluateExpression(lang, expr, context);
  return value === undefined ? null : value;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new SquallError('BAD_REQUEST', `cannot read ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
}

function evaluateBatch(file: string): Array<{ value: unknown } | { error: string }> {
  const items = parseJson(readText(file), file);
  if (!Array.isArray(items)) throw new SquallError('BAD_REQUEST', `${file}: expected a JSON array of {lang, expr, context}`, { file });
  return items.map((item: unknown, i) => {
    try {
      if (typeof item !== 'object' || item === null) throw new SquallError('BAD_REQUEST', `item ${i}: expected an object`);
      const { lang, expr, context } = item as Record<string, unknown>;
      if (typeof expr !== 'string') throw new SquallError('BAD_REQUEST', `item ${i}: expr must be a string`);
      return { value: evaluateOne(parseLang(lang, expr), expr, context ?? {}) };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  });
}

export function registerExprCommands(program: Command): void {
  const expr = program.command('expr').description('expressions (YAQL, Jinja), evaluated offline');
  expr.command('eval [expr]')
    .description('print the JSON value of one expression as a workflow would compute it')
    .option('--lang <lang>', 'yaql or jinja (default: the language of the delimiters around EXPR)')
    .option('--context <json>', 'the data the expression sees, as JSON', '{}')
    .option('--batch <file>', 'a JSON file of [{lang, expr, context}]; prints [{value}|{error}] in order')
    .option('--json', 'JSON output (the value is JSON either way)')
    .action((source: string | undefined, o: { lang?: string; context: string; batch?: string }) => {
      if (o.batch) return printJson(evaluateBatch(o.batch));
      if (source === undefined) throw new SquallError('BAD_REQUEST', 'give an expression, or --batch FILE');
      printJson(evaluateOne(parseLang(o.lang, source), source, parseJson(o.context, '--context')));
    });
}
