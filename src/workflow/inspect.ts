// `squall workflow inspect`: every problem of an Orquesta spec with its line and column —
// YAML syntax, schema, unknown `do` targets, unreachable tasks, expression syntax, variables
// no input/var/publish defines, `when` conditions that can never be false, doubtful joins.
import { isMap, type Node } from 'yaml';
import { hasCode } from '../errors.js';
import { renderValue } from '../expr/index.js';
import { isEngineCommand, startTasks, inboundTasks, type Graph } from './graph.js';
import { parseOrquesta } from './dsl/orquesta/compile.js';
import { eachString, keyOf, type PlaceOf } from './dsl/orquesta/source.js';
import { problemAt, sortProblems, type Problem } from './problem.js';

/** Variables the runtime puts into every workflow's context (st2's execution details). */
const SYSTEM_VARIABLES = ['st2', 'parent'];

const EXPRESSION = /<%([\s\S]*?)%>|\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;

/** Every problem of the Orquesta spec in `source`, in source order. */
export function inspectWorkflow(source: string): Problem[] {
  return inspectOrquesta(source).problems;
}

/** The graph of an Orquesta spec (null when unreadable) and every problem found, in source order. */
export function inspectOrquesta(source: string): { graph: Graph | null; problems: Problem[] } {
  const { graph, problems, doc, lines } = parseOrquesta(source);
  if (!graph) return { graph, problems: sortProblems(problems) };
  problems.push(...checkGraph(graph), ...checkWhen(graph));
  const defined = definedNames(graph);
  const tasks = new Set(graph.tasks.map((t) => t.name));
  const root = doc.contents;
  if (isMap(root)) {
    for (const pair of root.items) {
      const key = keyOf(pair);
      if (key === 'version' || key === 'description') continue;
      eachString(lines, pair.value as Node, (s, _pos, at) => problems.push(...checkExpressions(s, at, defined, tasks)));
    }
  }
  return { graph, problems: sortProblems(dedupe(problems)) };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function checkGraph(graph: Graph): Problem[] {
  const out: Problem[] = [];
  const names = new Set(graph.tasks.map((t) => t.name));
  for (const task of graph.tasks) {
    if (task.action !== null && task.actionPos && /\s/.test(task.action.trim()) && !/<%|\{\{/.test(task.action)) {
      out.push(problemAt(task.actionPos, `task ${task.name}: action "${task.action}" is not an action reference; quote inline values (message="some text")`));
    }
    if (!task.with && /\bitem\(/.test(JSON.stringify([task.action, task.input]))) {
      out.push(problemAt(task.actionPos ?? task.pos, `task ${task.name}: item() is only defined in a with-items task`, 'warning'));
    }
    for (const tr of task.transitions) {
      for (const target of tr.targets) {
        if (!names.has(target.name) && !isEngineCommand(target.name)) {
          out.push(problemAt(target.pos, `task ${task.name}: "do" names the task "${target.name}", which is not defined`));
        }
      }
    }
    if (task.join.kind !== 'none') {
      const inbound = inboundTasks(graph, task.name).length;
      if (task.join.kind === 'count' && task.join.count > inbound) {
        out.push(problemAt(task.join.pos, `task ${task.name}: join ${task.join.count} can never be met: only ${inbound} task(s) lead here`));
      } else if (inbound <= 1) {
        out.push(problemAt(task.join.pos, `task ${task.name}: join on a task with ${inbound} inbound task(s) waits for nothing`, 'warning'));
      }
    }
  }
  const starts = startTasks(graph);
  if (graph.tasks.length > 0 && starts.length === 0) {
    out.push(problemAt(graph.tasks[0].pos, 'no task starts the workflow: every task has an inbound transition (give a loop an entry task)'));
    return out;
  }
  const reached = reachable(graph, starts.map((t) => t.name));
  for (const task of graph.tasks) {
    if (!reached.has(task.name)) out.push(problemAt(task.pos, `task ${task.name} is unreachable: no path leads to it from a start task`));
  }
  return out;
}

function reachable(graph: Graph, from: string[]): Set<string> {
  const seen = new Set(from);
  const queue = [...from];
  while (queue.length > 0) {
    const name = queue.shift();
    const task = graph.tasks.find((t) => t.name === name);
    for (const target of task?.transitions.flatMap((tr) => tr.targets) ?? []) {
      if (!seen.has(target.name)) {
        seen.add(target.name);
        queue.push(target.name);
      }
    }
  }
  return seen;
}

const STATUS_FUNCTIONS = ['succeeded', 'failed', 'completed', 'result'];

/** A `when` that is plain text, or a bare function name without (), is always truthy. */
function checkWhen(graph: Graph): Problem[] {
  const out: Problem[] = [];
  for (const tr of graph.tasks.flatMap((t) => t.transitions)) {
    if (tr.when === null || !tr.whenPos) continue;
    const where = `task ${tr.from}: next[${tr.index}].when`;
    const exprs = [...tr.when.matchAll(EXPRESSION)];
    if (exprs.length === 0) {
      out.push(problemAt(tr.whenPos, `${where} is plain text ${JSON.stringify(tr.when)}, which is always true; write an expression such as <% succeeded() %>`));
      continue;
    }
    const body = (exprs[0][1] ?? exprs[0][2] ?? exprs[0][3] ?? '').trim();
    if (exprs.length === 1 && STATUS_FUNCTIONS.includes(body)) {
      out.push(problemAt(tr.whenPos, `${where}: "${body}" without parentheses is never false; call it: ${body}()`));
    }
  }
  return out;
}

function definedNames(graph: Graph): Set<string> {
  const names = new Set<string>(SYSTEM_VARIABLES);
  for (const p of graph.input) names.add(p.name);
  for (const v of graph.vars) names.add(v.name);
  for (const o of graph.output ?? []) names.add(o.name);
  for (const tr of graph.tasks.flatMap((t) => t.transitions)) for (const p of tr.publish) names.add(p.name);
  return names;
}

/** Syntax of each expression in `s`, and the context variables it reads, each at the expression. */
function checkExpressions(s: string, at: PlaceOf, defined: Set<string>, tasks: Set<string>): Problem[] {
  const out: Problem[] = [];
  for (const m of s.matchAll(EXPRESSION)) {
    const pos = at(m.index ?? 0);
    const syntax = syntaxError(m[0]);
    if (syntax) {
      out.push(problemAt(pos, `bad expression ${m[0]}: ${syntax}`));
      continue;
    }
    for (const t of (m[1] ?? m[2] ?? m[3] ?? '').matchAll(/\btask(?:_status)?\(\s*['"]?(\w+)['"]?\s*\)/g)) {
      // A warning: st2 accepts such a spec and fails it at run time.
      if (!tasks.has(t[1])) out.push(problemAt(pos, `${t[0]} names no task of this workflow`, 'warning'));
    }
    for (const name of referencedVariables(m[1] ?? m[2] ?? m[3] ?? '', m[1] !== undefined)) {
      if (!defined.has(name)) {
        out.push(problemAt(pos, `variable "${name}" is not defined: no input, var or publish names it (in ${m[0]})`));
      }
    }
  }
  return out;
}

/** The syntax error of one delimited expression, or null. Evaluation errors do not count here. */
function syntaxError(expr: string): string | null {
  try {
    renderValue(expr, {}, {});
  } catch (err) {
    if (hasCode(err, 'EXPR_SYNTAX')) return err.message;
  }
  return null;
}

/** ctx().x, ctx(x), ctx('x') and, in YAQL outside any parentheses, $.x. */
export function referencedVariables(body: string, yaql: boolean): string[] {
  const names: string[] = [];
  for (const m of body.matchAll(/\bctx\(\s*\)\.(\w+)|\bctx\(\s*['"]?(\w+)['"]?\s*\)/g)) names.push(m[1] ?? m[2]);
  if (yaql) {
    let depth = 0;
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
      else if (c === '$' && depth === 0) {
        const m = /^\$\.(\w+)/.exec(body.slice(i));
        if (m) names.push(m[1]);
      }
    }
  }
  return names;
}
