// Orquesta (StackStorm's native workflow language, version 1.0) → the engine's graph.
// The schema is orquesta's specs/native/v1/models.py: unknown keys and wrong types are
// problems with positions, and whatever is well-formed still lands in the graph so the
// inspector can go on checking the rest.
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type {
  Graph, InputParam, JoinSpec, NamedValue, RetrySpec, SourcePos, TaskNode, Target, Transition, WithItemsSpec,
} from '../../graph.js';
import { problemAt, type Problem } from '../../problem.js';
import { parseInlineParams, splitInlineAction } from './inline-params.js';
import { keyOf, kindOf, posOf, readYaml } from './source.js';

interface Walk {
  lines: LineCounter;
  problems: Problem[];
}

const TOP_KEYS = ['version', 'description', 'input', 'vars', 'tasks', 'output'];
const TASK_KEYS = ['action', 'input', 'next', 'join', 'with', 'retry', 'delay', 'timeout'];
const NEXT_KEYS = ['when', 'publish', 'do'];
const WITH_KEYS = ['items', 'concurrency'];
const RETRY_KEYS = ['when', 'count', 'delay'];

/** Result of reading an Orquesta spec: the graph (null when not even its skeleton is readable), the problems met, and the YAML kept with positions. */
export interface OrquestaParse {
  graph: Graph | null;
  problems: Problem[];
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Parses and compiles an Orquesta spec, collecting every syntax and schema problem. */
export function parseOrquesta(source: string): OrquestaParse {
  const { doc, lines, problems } = readYaml(source);
  if (problems.length > 0) return { graph: null, problems, doc, lines };
  const w: Walk = { lines, problems };
  const root = doc.contents;
  if (!isMap(root)) {
    problems.push(problemAt(posOf(lines, root), `a workflow must be a mapping (got ${kindOf(root)})`));
    return { graph: null, problems, doc, lines };
  }
  const fields = fieldsOf(w, root, TOP_KEYS, 'workflow');
  checkVersion(w, fields.get('version'), posOf(lines, root));
  const tasksNode = fields.get('tasks');
  if (!tasksNode) problems.push(problemAt(posOf(lines, root), 'the workflow has no "tasks"'));
  const graph: Graph = {
    description: optionalString(w, fields.get('description'), 'description'),
    input: readInput(w, fields.get('input')),
    vars: readNamedList(w, fields.get('vars'), 'vars') ?? [],
    tasks: tasksNode ? readTasks(w, tasksNode) : [],
    output: readNamedList(w, fields.get('output'), 'output'),
    pos: posOf(lines, root),
  };
  return { graph, problems, doc, lines };
}

/** The values of a mapping by key; unknown keys are problems. */
function fieldsOf(w: Walk, map: YAMLMap, allowed: string[], what: string): Map<string, Node | null> {
  const out = new Map<string, Node | null>();
  for (const pair of map.items as Pair<Node, Node | null>[]) {
    const key = keyOf(pair);
    if (!allowed.includes(key)) {
      w.problems.push(problemAt(posOf(w.lines, pair.key), `${what}: unknown key "${key}" (allowed: ${allowed.join(', ')})`));
      continue;
    }
    out.set(key, pair.value ?? null);
  }
  return out;
}

function checkVersion(w: Walk, node: Node | null | undefined, rootPos: SourcePos): void {
  if (node === undefined) {
    w.problems.push(problemAt(rootPos, 'the workflow has no "version" (Orquesta workflows say version: 1.0)'));
    return;
  }
  const v = isScalar(node) ? node.value : undefined;
  if (v !== 1 && v !== '1.0' && v !== 1.0) {
    w.problems.push(problemAt(posOf(w.lines, node), `version must be 1.0 (got ${JSON.stringify(v ?? kindOf(node))})`));
  }
}

function optionalString(w: Walk, node: Node | null | undefined, what: string): string | null {
  if (node === undefined || node === null) return null;
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  w.problems.push(problemAt(posOf(w.lines, node), `${what} must be a string (got ${kindOf(node)})`));
  return null;
}

/** input: a list of names or one-key {name: default} mappings. */
function readInput(w: Walk, node: Node | null | undefined): InputParam[] {
  if (node === undefined || node === null) return [];
  if (!isSeq(node)) {
    w.problems.push(problemAt(posOf(w.lines, node), `input must be a list of names or {name: default} (got ${kindOf(node)})`));
    return [];
  }
  const out: InputParam[] = [];
  for (const item of node.items as Node[]) {
    const pos = posOf(w.lines, item);
    if (isScalar(item) && typeof item.value === 'string') {
      out.push({ name: item.value, hasDefault: false, default: null, pos });
    } else if (isMap(item) && item.items.length === 1) {
      const pair = item.items[0] as Pair<Node, Node | null>;
      out.push({ name: keyOf(pair), hasDefault: true, default: toJs(pair.value), pos: posOf(w.lines, pair.key) });
    } else {
      w.problems.push(problemAt(pos, `input: each entry is a name or a one-key {name: default} mapping (got ${kindOf(item)})`));
    }
  }
  return out;
}

/** vars / output / publish: a list of one-key mappings (or, leniently, one mapping); order kept. */
function readNamedList(w: Walk, node: Node | null | undefined, what: string): NamedValue[] | null {
  if (node === undefined || node === null) return null;
  const pairs: Pair<Node, Node | null>[] = [];
  if (isMap(node)) {
    pairs.push(...(node.items as Pair<Node, Node | null>[]));
  } else if (isSeq(node)) {
    for (const item of node.items as Node[]) {
      if (isMap(item) && item.items.length === 1) pairs.push(item.items[0] as Pair<Node, Node | null>);
      else w.problems.push(problemAt(posOf(w.lines, item), `${what}: each entry must be a one-key {name: value} mapping (got ${kindOf(item)})`));
    }
  } else {
    w.problems.push(problemAt(posOf(w.lines, node), `${what} must be a list of {name: value} mappings (got ${kindOf(node)})`));
    return [];
  }
  return pairs.map((p) => ({ name: keyOf(p), value: toJs(p.value), pos: posOf(w.lines, p.key) }));
}

function toJs(node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return null;
  return node.toJSON();
}

function readTasks(w: Walk, node: Node): TaskNode[] {
  if (!isMap(node)) {
    w.problems.push(problemAt(posOf(w.lines, node), `tasks must be a mapping of task names to tasks (got ${kindOf(node)})`));
    return [];
  }
  if (node.items.length === 0) w.problems.push(problemAt(posOf(w.lines, node), 'tasks must name at least one task'));
  const tasks: TaskNode[] = [];
  for (const pair of node.items as Pair<Node, Node | null>[]) {
    const name = keyOf(pair);
    const pos = posOf(w.lines, pair.key);
    if (!/^\w+$/.test(name)) w.problems.push(problemAt(pos, `task name "${name}" may only hold letters, digits and _`));
    if (['fail', 'noop', 'continue', 'retry'].includes(name)) {
      w.problems.push(problemAt(pos, `the task name "${name}" is reserved for the engine command of that name`));
    }
    if (!isMap(pair.value)) {
      w.problems.push(problemAt(posOf(w.lines, pair.value ?? pair.key), `task ${name} must be a mapping (got ${kindOf(pair.value)})`));
      continue;
    }
    tasks.push(readTask(w, name, pos, pair.value));
  }
  return tasks;
}

function readTask(w: Walk, name: string, pos: SourcePos, map: YAMLMap): TaskNode {
  const f = fieldsOf(w, map, TASK_KEYS, `task ${name}`);
  const task: TaskNode = {
    name, action: null, actionPos: null, input: null, join: { kind: 'none' }, with: null, retry: null,
    delay: null, timeout: null, transitions: [], pos,
  };
  const action = f.get('action');
  if (action !== undefined && action !== null) {
    const s = optionalString(w, action, `task ${name}: action`);
    if (s !== null) {
      const { action: ref, input } = splitInlineAction(s);
      task.action = ref;
      task.actionPos = posOf(w.lines, action);
      task.input = input;
    }
  }
  const input = f.get('input');
  if (input !== undefined && input !== null) {
    if (isMap(input) || (isScalar(input) && typeof input.value === 'string')) task.input ??= toJs(input);
    else w.problems.push(problemAt(posOf(w.lines, input), `task ${name}: input must be a mapping or an expression (got ${kindOf(input)})`));
  }
  task.join = readJoin(w, name, f.get('join'));
  task.with = readWith(w, name, f.get('with'));
  task.retry = readRetry(w, name, f.get('retry'));
  task.delay = readCount(w, f.get('delay'), `task ${name}: delay`);
  task.timeout = readCount(w, f.get('timeout'), `task ${name}: timeout`);
  task.transitions = readNext(w, name, f.get('next'));
  if (task.with && task.action === null) {
    w.problems.push(problemAt(task.with.pos, `task ${name}: a with-items task needs an action`));
  }
  return task;
}

function readJoin(w: Walk, name: string, node: Node | null | undefined): JoinSpec {
  if (node === undefined || node === null) return { kind: 'none' };
  const pos = posOf(w.lines, node);
  const v = isScalar(node) ? node.value : undefined;
  if (v === 'all') return { kind: 'all', pos };
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return { kind: 'count', count: v, pos };
  w.problems.push(problemAt(pos, `task ${name}: join must be "all" or a positive integer (got ${JSON.stringify(v ?? kindOf(node))})`));
  return { kind: 'none' };
}

/** A positive integer or an expression string (delay, timeout, count, concurrency). */
function readCount(w: Walk, node: Node | null | undefined, what: string): unknown {
  if (node === undefined || node === null) return null;
  const v = isScalar(node) ? node.value : undefined;
  if ((typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && v.trim() !== '')) return v;
  w.problems.push(problemAt(posOf(w.lines, node), `${what} must be a non-negative integer or an expression (got ${JSON.stringify(v ?? kindOf(node))})`));
  return null;
}

const ITEMS_WITH_VARS = /^\s*(\w+(?:\s*,\s*\w+)*)\s+in\s+(\S[\s\S]*?)\s*$/;

function readWith(w: Walk, name: string, node: Node | null | undefined): WithItemsSpec | null {
  if (node === undefined || node === null) return null;
  const pos = posOf(w.lines, node);
  let itemsNode: Node | null | undefined = node;
  let concurrency: unknown = null;
  if (isMap(node)) {
    const f = fieldsOf(w, node, WITH_KEYS, `task ${name}: with`);
    itemsNode = f.get('items');
    concurrency = readCount(w, f.get('concurrency'), `task ${name}: with.concurrency`);
    if (itemsNode === undefined) {
      w.problems.push(problemAt(pos, `task ${name}: with needs "items"`));
      return null;
    }
  }
  if (isSeq(itemsNode)) return { items: toJs(itemsNode), vars: [], concurrency, pos };
  if (!isScalar(itemsNode) || typeof itemsNode.value !== 'string' || itemsNode.value.trim() === '') {
    w.problems.push(problemAt(posOf(w.lines, itemsNode ?? node), `task ${name}: with.items must be an expression, "x in <expression>" or a list (got ${kindOf(itemsNode)})`));
    return null;
  }
  const s = itemsNode.value;
  const m = /^\s*(<%|\{\{|\{%)/.test(s) ? null : ITEMS_WITH_VARS.exec(s);
  if (m) return { items: m[2], vars: m[1].split(',').map((v) => v.trim()), concurrency, pos };
  return { items: s.trim(), vars: [], concurrency, pos };
}

function readRetry(w: Walk, name: string, node: Node | null | undefined): RetrySpec | null {
  if (node === undefined || node === null) return null;
  const pos = posOf(w.lines, node);
  if (!isMap(node)) {
    w.problems.push(problemAt(pos, `task ${name}: retry must be a mapping with when, count, delay (got ${kindOf(node)})`));
    return null;
  }
  const f = fieldsOf(w, node, RETRY_KEYS, `task ${name}: retry`);
  if (!f.has('count')) w.problems.push(problemAt(pos, `task ${name}: retry needs "count"`));
  return {
    when: optionalString(w, f.get('when'), `task ${name}: retry.when`),
    count: readCount(w, f.get('count'), `task ${name}: retry.count`) ?? 0,
    delay: readCount(w, f.get('delay'), `task ${name}: retry.delay`),
    pos,
  };
}

function readNext(w: Walk, name: string, node: Node | null | undefined): Transition[] {
  if (node === undefined || node === null) return [];
  if (!isSeq(node)) {
    w.problems.push(problemAt(posOf(w.lines, node), `task ${name}: next must be a list of transitions (got ${kindOf(node)})`));
    return [];
  }
  const out: Transition[] = [];
  (node.items as Node[]).forEach((item, index) => {
    const pos = posOf(w.lines, item);
    if (!isMap(item)) {
      w.problems.push(problemAt(pos, `task ${name}: next[${index}] must be a mapping with when, publish, do (got ${kindOf(item)})`));
      return;
    }
    const f = fieldsOf(w, item, NEXT_KEYS, `task ${name}: next[${index}]`);
    const whenNode = f.get('when');
    out.push({
      from: name,
      index,
      on: null,
      when: optionalString(w, whenNode, `task ${name}: next[${index}].when`),
      whenPos: whenNode ? posOf(w.lines, whenNode) : null,
      publish: readPublish(w, f.get('publish'), `task ${name}: next[${index}].publish`),
      targets: readDo(w, f.get('do'), `task ${name}: next[${index}].do`, pos),
      pos,
    });
  });
  return out;
}

/** publish: `a=<% … %> b=1`, a list of one-key mappings, or a mapping. */
function readPublish(w: Walk, node: Node | null | undefined, what: string): NamedValue[] {
  if (node === undefined || node === null) return [];
  if (isScalar(node) && typeof node.value === 'string') {
    const pos = posOf(w.lines, node);
    const params = parseInlineParams(node.value);
    if (params.length === 0) w.problems.push(problemAt(pos, `${what}: no name=value pair in ${JSON.stringify(node.value)}`));
    return params.map(([name, value]) => ({ name, value, pos }));
  }
  return readNamedList(w, node, what) ?? [];
}

/** do: `a, b`, a list of names, or absent (Orquesta's default is the continue command). */
function readDo(w: Walk, node: Node | null | undefined, what: string, entryPos: SourcePos): Target[] {
  if (node === undefined || node === null) return [{ name: 'continue', pos: entryPos }];
  if (isScalar(node) && typeof node.value === 'string') return splitTargets(w, node);
  if (isSeq(node)) {
    return (node.items as Node[]).flatMap((item) => {
      if (isScalar(item) && typeof item.value === 'string') return splitTargets(w, item);
      w.problems.push(problemAt(posOf(w.lines, item), `${what}: each entry must be a task name (got ${kindOf(item)})`));
      return [];
    });
  }
  w.problems.push(problemAt(posOf(w.lines, node), `${what} must be a task name, a comma-separated list or a list (got ${kindOf(node)})`));
  return [];
}

function splitTargets(w: Walk, node: Node): Target[] {
  const s = String((node as { value: unknown }).value);
  const base = posOf(w.lines, node);
  // Plain one-line scalars: point at each name; quoted or folded ones at the scalar.
  const plain = isScalar(node) && node.type === 'PLAIN' && !s.includes('\n');
  const out: Target[] = [];
  for (const m of s.matchAll(/[^,\s]+/g)) {
    out.push({ name: m[0], pos: plain ? { line: base.line, column: base.column + (m.index ?? 0) } : base });
  }
  return out;
}
