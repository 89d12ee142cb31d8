// One finding about a workflow spec, pointing at its place in the source.
import type { SourcePos } from './graph.js';

/** A problem found in a workflow spec: where it is, what is wrong, and whether it blocks the workflow. */
export interface Problem {
  line: number;
  column: number;
  message: string;
  severity: 'error' | 'warning';
}

export function problemAt(pos: SourcePos, message: string, severity: Problem['severity'] = 'error'): Problem {
  return { line: pos.line, column: pos.column, message, severity };
}

/** Problems in source order, errors before warnings at the same place. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
