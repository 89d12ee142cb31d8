// Problems found in a pack: each names the file, the line and the field, and all of a
// pack's problems travel together in one PACK_INVALID error.
import type { ErrorObject } from 'ajv';
import { SquallError } from '../errors.js';

/** One thing wrong with a pack file or an action body. */
export interface Problem {
  /** Pack-relative path ("actions/restart.yaml"); absent for API bodies. */
  file?: string;
  line?: number;
  column?: number;
  /** Dotted path of the field ("parameters.timeout.type"); absent for whole-file problems. */
  field?: string;
  message: string;
}

/** A path into a parsed document: map keys and sequence indexes. */
export type Path = ReadonlyArray<string | number>;

/** Finds the line of a path in the source; `key` asks for the line of the key rather than its value. */
export type LineOf = (path: Path, key?: boolean) => number | undefined;

export function fieldName(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** "actions/a.yaml:12: parameters.x.type must be …" (the parts that are known). */
function formatProblem(p: Problem): string {
  const place = [p.file, p.line, p.line === undefined ? undefined : p.column].filter((x) => x !== undefined).join(':');
  const text = p.field ? `${p.field} ${p.message}` : p.message;
  return place ? `${place}: ${text}` : text;
}

/** Throws one PACK_INVALID listing every problem (one a line), placed at the first. */
export function throwProblems(problems: readonly Problem[], cause?: unknown): never {
  const first = problems[0]!;
  const message = problems.map(formatProblem).join('\n');
  const where = Object.fromEntries(Object.entries({ file: first.file, line: first.line, column: first.column, field: first.field }).filter(([, v]) => v !== undefined));
  throw new SquallError('PACK_INVALID', message, where, {
    cause,
    details: { problems },
  });
}

/** A short, JSON-ish rendering of a value for "(got …)". */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Where to look for a problem: the file and the line lookup of its parsed source. */
export interface Source {
  file?: string;
  lineOf: LineOf;
}

function pointerPath(instancePath: string, value: unknown): Array<string | number> {
  if (instancePath === '') return [];
  const path: Array<string | number> = [];
  let here = value;
  for (const raw of instancePath.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const isIndex = Array.isArray(here) && /^\d+$/.test(seg);
    path.push(isIndex ? Number(seg) : seg);
    here = here !== null && typeof here === 'object' ? (here as Record<string, unknown>)[seg] : undefined;
  }
  return path;
}

function valueAt(root: unknown, path: Path): unknown {
  let here = root;
  for (const seg of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string | number, unknown>)[seg];
  }
  return here;
}

interface Worded {
  path: Array<string | number>;
  /** Point at the key's line (an unknown or misnamed key) rather than its value's. */
  key: boolean;
  message: string;
}

/** One Ajv error in words, with the path of the field it is about; null to skip it. */
function worded(e: ErrorObject, path: Array<string | number>, got: string): Worded | null {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: [...path, String(params.missingProperty)], key: false, message: 'is required' };
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const message = known.length ? `is not a known field (known: ${known.join(', ')})` : 'is not allowed here';
      return { path: [...path, String(params.additionalProperty)], key: true, message };
    }
    case 'propertyNames':
      return null; // reported, with the bad name, by the 'pattern' error before it
    case 'enum':
      return { path, key: false, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')} (got ${got})` };
    case 'type':
      return { path, key: false, message: `must be ${String(params.type).replace(/,/g, ' or ')} (got ${got})` };
    case 'pattern':
      return e.propertyName !== undefined
        ? { path: [...path, e.propertyName], key: true, message: `is not a valid name: must match ${String(params.pattern)}` }
        : { path, key: false, message: `must match ${String(params.pattern)} (got ${got})` };
    default:
      return { path, key: false, message: `${e.message ?? 'is invalid'} (got ${got})` };
  }
}

/** Turns Ajv's errors about `value` into problems, one per field, worded for people. */
export function ajvProblems(errors: readonly ErrorObject[], value: unknown, src: Source, prefix: Path = []): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of errors) {
    const path = pointerPath(e.instancePath, value);
    const w = worded(e, [...prefix, ...path], shown(valueAt(value, path)));
    if (w === null) continue;
    const field = fieldName(w.path);
    // Ajv may say two things about one field (its type and its enum): the first is enough.
    if (seen.has(field)) continue;
    seen.add(field);
    problems.push({ file: src.file, line: src.lineOf(w.path, w.key), field: field || undefined, message: w.message });
  }
  return problems;
}
