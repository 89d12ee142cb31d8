// Reading the YAML of a spec while keeping where each node sits, so every problem
// (and every graph element) can name its line and column.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { PYYAML } from '../../../pyyaml.js';
import type { SourcePos } from '../../graph.js';
import { problemAt, type Problem } from '../../problem.js';

export interface SourceDoc {
  doc: Document.Parsed;
  lines: LineCounter;
  problems: Problem[];
}

/** Parses YAML; syntax errors become problems at their positions. */
export function readYaml(source: string): SourceDoc {
  const lines = new LineCounter();
  const doc = parseDocument(source, { ...PYYAML, lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const { line, col } = lines.linePos(err.pos[0]);
    problems.push(problemAt({ line, column: col }, `YAML: ${firstLine(err.message)}`));
  }
  return { doc, lines, problems };
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

/** Where `node` starts (the document start when unknown). */
export function posOf(lines: LineCounter, node: Node | null | undefined): SourcePos {
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** The string value of a pair's key (keys of Orquesta specs are always scalars). */
export function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** Short type name for messages. */
export function kindOf(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    return typeof v === 'string' ? 'a string' : `a ${typeof v}`;
  }
  return 'nothing';
}

/** Maps an index in a scalar's value to its place in the source (exact for one-line scalars without escapes). */
export type PlaceOf = (index: number) => SourcePos;

function placeOf(lines: LineCounter, node: Scalar): PlaceOf {
  const start = posOf(lines, node);
  const value = String(node.value);
  const [from, to] = node.range ?? [0, 0];
  const oneLine = lines.linePos(to).line === start.line && !value.includes('\n');
  const quote = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  const escaped = node.type === 'QUOTE_DOUBLE' ? value.includes('\\') || value.includes('"') : value.includes("'") && quote === 1;
  const exact = oneLine && !escaped && (node.type === 'PLAIN' || quote === 1) && to - from >= value.length;
  return (index) => (exact ? { line: start.line, column: start.column + quote + index } : start);
}

/** Calls `fn` for every string scalar under `node` (mapping keys excluded), with its position. */
export function eachString(lines: LineCounter, node: unknown, fn: (s: string, pos: SourcePos, at: PlaceOf) => void): void {
  if (isScalar(node)) {
    if (typeof node.value === 'string') fn(node.value, posOf(lines, node), placeOf(lines, node));
  } else if (isMap(node)) {
    for (const pair of node.items) eachString(lines, pair.value, fn);
  } else if (isSeq(node)) {
    for (const item of node.items) eachString(lines, item, fn);
  }
}
