// Rule criteria: st2's map of `trigger.path: {type, pattern}` (all must pass), plus
// Squall's `any:` / `all:` / `not:` groups. Compiled once per rule; evaluated per event
// either fast (short-circuit, boolean) or traced (every criterion with its value, for
// rule tests and enforcement reasons).
import { compileJinjaTemplate } from '../expr/jinja/index.js';
import { SquallError } from '../errors.js';
import type { Path } from '../packs/problems.js';
import { shown } from '../packs/problems.js';
import { compilePattern, operators, regexModes, type Operator } from './operators.js';
import { lookup, parseKey, type Segment } from './payload-path.js';
import { PyTypeError } from './py.js';
import { fastTest, passesFast, type FastTest } from './fast-tests.js';
import type { RuleProblem } from './model.js';

export interface Leaf {
  kind: 'leaf';
  key: string;
  root: string;
  path: Segment[];
  type: string;
  op: Operator | null;
  pattern: unknown;
  /** The pattern is a Jinja template, rendered against the event each time. */
  templated: boolean;
  /** A static regex/wildcard pattern, compiled once. */
  regex: RegExp | null;
  /** The operator specialised for a fixed pattern (fast-tests.ts), or null. */
  test: FastTest | null;
  regexMode: string | undefined;
  /** search: any | all, and the criteria each item is checked against (keys rooted at `item`). */
  condition?: 'any' | 'all';
  children?: Group;
}

export interface Group {
  kind: 'all' | 'any' | 'not';
  items: Node[];
}

export type Node = Leaf | Group;

/** One criterion's outcome, as `squall rule test` shows it. */
export interface Trace {
  key?: string;
  type?: string;
  group?: 'all' | 'any' | 'not';
  pattern?: unknown;
  value?: unknown;
  passed: boolean;
  error?: string;
  items?: Trace[];
}

export interface EvalContext {
  now: number;
  /**
   * Renders a templated pattern with the lookup roots (`trigger`, `item`) as data. Jinja
   * gives the same value for the same text and data, so the matcher renders a criterion
   * shared by several rules once per event.
   */
  render(pattern: unknown, data: Record<string, unknown>): unknown;
}

const GROUP_KEYS = new Set(['any', 'all', 'not']);
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTemplate = (v: unknown): v is string => typeof v === 'string' && (v.includes('{{') || v.includes('{%'));

/** Compiles criteria; every problem is collected with its path (for file:line), none thrown. */
export function compileCriteria(raw: unknown, at: Path, problems: RuleProblem[], root = 'trigger'): Group {
  const group: Group = { kind: 'all', items: [] };
  if (raw === undefined || raw === null) return group;
  if (!isMap(raw)) {
    problem(problems, at, `must be a map of criteria (got ${shown(raw)})`);
    return group;
  }
  for (const [key, spec] of Object.entries(raw)) {
    const here = [...at, key];
    if (GROUP_KEYS.has(key)) group.items.push(compileGroup(key as Group['kind'], spec, here, problems, root));
    else {
      const leaf = compileLeaf(key, spec, here, problems, root);
      if (leaf) group.items.push(leaf);
    }
  }
  return group;
}

function compileGroup(kind: Group['kind'], spec: unknown, at: Path, problems: RuleProblem[], root: string): Group {
  const parts = Array.isArray(spec) ? spec : [spec];
  if (parts.length === 0 || parts.some((p) => !isMap(p))) {
    problem(problems, at, `must be a list of criteria maps (or one map) (got ${shown(spec)})`);
  }
  const items = parts.map((p, i) => compileCriteria(p, Array.isArray(spec) ? [...at, i] : at, problems, root));
  return kind === 'not' ? { kind: 'not', items: [{ kind: 'all', items }] } : { kind, items };
}

function problem(problems: RuleProblem[], path: Path, message: string): void {
  problems.push({ path, message });
}

function compileLeaf(key: string, spec: unknown, at: Path, problems: RuleProblem[], root: string): Leaf | null {
  const parsed = parseKey(key);
  if (!parsed || parsed.root !== root) {
    problem(problems, at, `is not a valid criteria key: it must start with '${root}.' (as ${root}.status or ${root}.headers['X-Id'])`);
    return null;
  }
  if (!isMap(spec) || typeof spec.type !== 'string') {
    problem(problems, isMap(spec) ? [...at, 'type'] : at, `needs a 'type' (one of ${Object.keys(operators).concat('search').join(', ')})`);
    return null;
  }
  const type = spec.type.toLowerCase();
  const leaf: Leaf = {
    kind: 'leaf', key, root: parsed.root, path: parsed.path, type, op: operators[type] ?? null,
    pattern: spec.pattern ?? null, templated: isTemplate(spec.pattern), regex: null, test: null, regexMode: regexModes[type],
  };
  if (type === 'search') return compileSearch(leaf, spec, at, problems);
  if (!leaf.op) {
    problem(problems, [...at, 'type'], `unknown operator ${JSON.stringify(spec.type)} (known: ${Object.keys(operators).concat('search').join(', ')})`);
    return null;
  }
  if (leaf.templated) checkTemplate(leaf.pattern as string, [...at, 'pattern'], problems);
  else if (leaf.regexMode && typeof leaf.pattern === 'string') {
    try {
      leaf.regex = compilePattern(leaf.pattern, leaf.regexMode as Parameters<typeof compilePattern>[1]);
    } catch (err) {
      problem(problems, [...at, 'pattern'], (err as Error).message);
    }
  }
  if (!leaf.templated) leaf.test = fastTest(type, leaf.pattern, leaf.regex);
  return leaf;
}

function compileSearch(leaf: Leaf, spec: Record<string, unknown>, at: Path, problems: RuleProblem[]): Leaf {
  if (spec.condition !== 'any' && spec.condition !== 'all') {
    problem(problems, [...at, 'condition'], `search needs condition: any or all (got ${shown(spec.condition)})`);
  }
  leaf.condition = spec.condition === 'all' ? 'all' : 'any';
  leaf.children = compileCriteria(spec.pattern, [...at, 'pattern'], problems, 'item');
  leaf.templated = false;
  return leaf;
}

function checkTemplate(source: string, at: Path, problems: RuleProblem[]): void {
  try {
    compileJinjaTemplate(source);
  } catch (err) {
    problem(problems, at, `is not a valid Jinja template: ${(err as Error).message}`);
  }
}

function valueOf(leaf: Leaf, roots: Record<string, unknown>): unknown {
  return lookup(roots[leaf.root], leaf.path);
}

function patternOf(leaf: Leaf, roots: Record<string, unknown>, ctx: EvalContext): unknown {
  if (!leaf.templated) return leaf.regex ?? leaf.pattern;
  const rendered = ctx.render(leaf.pattern, roots);
  return leaf.regexMode && typeof rendered === 'string' ? compilePattern(rendered, leaf.regexMode as Parameters<typeof compilePattern>[1]) : rendered;
}

function checkLeaf(leaf: Leaf, roots: Record<string, unknown>, ctx: EvalContext, trace: Trace[] | null): boolean {
  const value = valueOf(leaf, roots);
  let passed = false;
  let pattern: unknown = leaf.pattern;
  let error: string | undefined;
  let items: Trace[] | undefined;
  try {
    if (leaf.children) {
      items = trace ? [] : undefined;
      passed = Array.isArray(value) && searchList(leaf, value, ctx, items ?? null);
    } else {
      pattern = patternOf(leaf, roots, ctx);
      passed = leaf.op!(value, pattern, ctx);
    }
  } catch (err) {
    // st2 logs and treats the criterion as failed; the trace says why.
    if (!(err instanceof PyTypeError) && !(err instanceof SquallError)) throw err;
    error = err.message;
  }
  if (trace) {
    const shownPattern = pattern instanceof RegExp ? leaf.pattern : pattern;
    trace.push({ key: leaf.key, type: leaf.type, pattern: shownPattern, value: value ?? null, passed, ...(error ? { error } : {}), ...(items ? { items } : {}) });
  }
  return passed;
}

// st2 search: any → some item passes every child criterion; all → every item does (true for []).
function searchList(leaf: Leaf, list: unknown[], ctx: EvalContext, trace: Trace[] | null): boolean {
  const results = [] as boolean[];
  for (const item of list) {
    const itemTrace: Trace[] | null = trace ? [] : null;
    const ok = evalGroup(leaf.children!, { item }, ctx, itemTrace);
    if (trace) trace.push({ group: 'all', passed: ok, value: item, items: itemTrace! });
    results.push(ok);
    if (!trace && (leaf.condition === 'any' ? ok : !ok)) return ok;
  }
  return leaf.condition === 'any' ? results.some(Boolean) : results.every(Boolean);
}

/**
 * An operator leaf's outcome for `value`, the value at its key already looked up (search
 * leaves are decided by predicate.ts's searchTest). The fast test when there is one.
 */
export function leafPassesOn(leaf: Leaf, value: unknown, roots: Record<string, unknown>, ctx: EvalContext): boolean {
  if (leaf.test) return passesFast(leaf.test, value);
  try {
    return leaf.op!(value, patternOf(leaf, roots, ctx), ctx);
  } catch (err) {
    if (!(err instanceof PyTypeError) && !(err instanceof SquallError)) throw err;
    return false;
  }
}

/** Evaluates a group; with `trace` every criterion is evaluated and recorded, otherwise it short-circuits. */
export function evalGroup(group: Group, roots: Record<string, unknown>, ctx: EvalContext, trace: Trace[] | null): boolean {
  const inner: Trace[] | null = trace ? [] : null;
  let result: boolean;
  if (group.kind === 'any') {
    result = false;
    for (const item of group.items) {
      if (evalNode(item, roots, ctx, inner)) {
        result = true;
        if (!inner) break;
      }
    }
  } else {
    result = true;
    for (const item of group.items) {
      if (!evalNode(item, roots, ctx, inner)) {
        result = false;
        if (!inner) break;
      }
    }
    if (group.kind === 'not') result = !result;
  }
  if (trace) trace.push({ group: group.kind, passed: result, items: inner! });
  return result;
}

function evalNode(node: Node, roots: Record<string, unknown>, ctx: EvalContext, trace: Trace[] | null): boolean {
  return node.kind === 'leaf' ? checkLeaf(node, roots, ctx, trace) : evalGroup(node, roots, ctx, trace);
}

/** The first failing criterion in a trace, as one line ("trigger.status equals 'ok': value 'critical'"). */
export function firstFailure(trace: readonly Trace[]): string | null {
  for (const t of trace) {
    if (t.passed) continue;
    if (t.key) {
      const why = t.error ? `error: ${t.error}` : `value ${shown(t.value)}`;
      return t.type === 'search' ? `${t.key} search (${why})` : `${t.key} ${t.type} ${shown(t.pattern)} failed (${why})`;
    }
    if (t.group === 'not') return 'a not: group matched';
    if (t.items) {
      const inner = firstFailure(t.items);
      if (inner) return t.group === 'any' ? `no any: alternative passed (first: ${inner})` : inner;
    }
  }
  return null;
}

/** Every template text in the criteria (for datastore preloading). */
export function criteriaTemplates(group: Group): string[] {
  const out: string[] = [];
  const walk = (n: Node) => {
    if (n.kind === 'leaf') {
      if (n.templated) out.push(n.pattern as string);
      if (n.children) walk(n.children);
    } else n.items.forEach(walk);
  };
  walk(group);
  return out;
}
