// The variables a template reads from its data, as Jinja2's meta.find_undeclared_variables
// answers (st2 orders action parameters by them): every name read, less those the template
// binds itself (set, for, with, macro and its parameters). A name bound anywhere counts as
// bound everywhere, a little looser than Jinja's per-scope answer; globals are not data and
// are left out (isGlobalName).
import type { CallArgs, Expr, FilterCall, Stmt, Target } from './ast.js';

interface Walk {
  read: Set<string>;
  bound: Set<string>;
}

function expr(w: Walk, e: Expr): void {
  switch (e.k) {
    case 'lit':
      return;
    case 'name':
      w.read.add(e.name);
      return;
    case 'getattr':
      return expr(w, e.obj);
    case 'getitem':
      expr(w, e.obj);
      return expr(w, e.key);
    case 'slice':
      for (const x of [e.obj, e.start, e.stop, e.step]) if (x) expr(w, x);
      return;
    case 'call':
      expr(w, e.fn);
      return args(w, e);
    case 'filter':
    case 'test':
      expr(w, e.node);
      return args(w, e);
    case 'bin':
    case 'and':
    case 'or':
      expr(w, e.left);
      return expr(w, e.right);
    case 'not':
    case 'neg':
    case 'pos':
      return expr(w, e.node);
    case 'cmp':
      expr(w, e.first);
      for (const [, x] of e.ops) expr(w, x);
      return;
    case 'cond':
      for (const x of [e.test, e.then, e.otherwise]) if (x) expr(w, x);
      return;
    case 'list':
    case 'tuple':
      for (const x of e.items) expr(w, x);
      return;
    case 'dict':
      for (const [k, v] of e.items) {
        expr(w, k);
        expr(w, v);
      }
  }
}

function args(w: Walk, c: CallArgs): void {
  for (const a of c.args) expr(w, a);
  for (const [, a] of c.kwargs) expr(w, a);
}

function filters(w: Walk, list: readonly FilterCall[]): void {
  for (const f of list) args(w, f);
}

function target(w: Walk, t: Target): void {
  if (t.k === 'name') w.bound.add(t.name);
  else if (t.k === 'tuple') for (const x of t.items) target(w, x);
  else w.read.add(t.ns);
}

function body(w: Walk, stmts: readonly Stmt[]): void {
  for (const s of stmts) stmt(w, s);
}

function stmt(w: Walk, s: Stmt): void {
  switch (s.k) {
    case 'text':
      return;
    case 'output':
      return expr(w, s.expr);
    case 'if':
      for (const [test, then] of s.branches) {
        expr(w, test);
        body(w, then);
      }
      return body(w, s.otherwise);
    case 'for':
      expr(w, s.iter);
      target(w, s.target);
      w.bound.add('loop');
      if (s.cond) expr(w, s.cond);
      body(w, s.body);
      return body(w, s.otherwise);
    case 'set':
      expr(w, s.value);
      return target(w, s.target);
    case 'setblock':
      filters(w, s.filters);
      target(w, s.target);
      return body(w, s.body);
    case 'with':
      for (const [t, value] of s.assigns) {
        expr(w, value);
        target(w, t);
      }
      return body(w, s.body);
    case 'filterblock':
      filters(w, s.filters);
      return body(w, s.body);
    case 'macro':
      w.bound.add(s.name);
      for (const [p, fallback] of s.params) {
        w.bound.add(p);
        if (fallback) expr(w, fallback);
      }
      for (const implicit of ['varargs', 'kwargs', 'caller']) w.bound.add(implicit);
      return body(w, s.body);
  }
}

/** The names a parsed template reads that it does not bind itself. */
export function undeclaredNames(template: readonly Stmt[]): Set<string> {
  const w: Walk = { read: new Set(), bound: new Set() };
  body(w, template);
  return new Set([...w.read].filter((n) => !w.bound.has(n)));
}
