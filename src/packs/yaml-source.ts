// Pack YAML parsed with its line numbers kept, so a problem found in the parsed value
// can be pointed back at the line that holds it.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { PYYAML } from '../pyyaml.js';
import type { Path, Problem, Source } from './problems.js';

export interface YamlFile extends Source {
  file: string;
  /** The document as plain data (undefined when it has syntax errors). */
  data: unknown;
  doc: Document;
  problems: Problem[];
}

/**
 * Parses one YAML file. YAML 1.1, as PyYAML reads st2 packs: `yes`/`no`/`on`/`off`
 * are booleans there, and a pack written for st2 must mean the same here.
 */
export function parseYaml(file: string, text: string): YamlFile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { ...PYYAML, lineCounter: counter, prettyErrors: false });
  const lineAt = (offset: number) => counter.linePos(offset).line;

  const lineOf = (path: Path, key = false): number | undefined => {
    let node: unknown = doc.contents;
    // The line of the key holding the current node: better than a block's first child.
    let keyLine: number | undefined = node && (node as Node).range ? lineAt((node as Node).range![0]) : 1;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (!pair) return keyLine;
        const k = pair.key as Node | null;
        if (k?.range) keyLine = lineAt(k.range[0]);
        if (last && key) return keyLine;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) return keyLine;
        if (item.range) keyLine = lineAt(item.range[0]);
        node = item;
      } else {
        return keyLine;
      }
    }
    if (isScalar(node) && node.range) return lineAt(node.range[0]);
    return keyLine;
  };

  const problems: Problem[] = doc.errors.map((e) => ({
    file,
    line: lineAt(e.pos[0]),
    message: `invalid YAML: ${e.message.split('\n')[0]}`,
  }));
  const data = problems.length ? undefined : doc.toJS({ maxAliasCount: 100 });
  return { file, data, doc, lineOf, problems };
}

/** The source text of the scalar at `path` (e.g. `1.10` for a version YAML read as a number). */
export function scalarSource(doc: Document, path: Path): string | undefined {
  const node = doc.getIn(path, true);
  return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
}
