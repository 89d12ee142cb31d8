// Template statements as closures writing into an output array: if, for (with loop and
// else), set (plain, tuple, namespace attribute, block), with, filter blocks and macros.
import type { FilterCall, Stmt, Target } from './ast.js';
import { compileExpr, plain, type Ev } from './compile-expr.js';
import { LoopContext } from './runtime.js';
import { MAX_CALL_DEPTH, MAX_ITERATIONS, applyFilter, lookupName, type Ctx, type Frame } from './scope.js';
import { MAX_STRING_CHARS, Callable, Namespace, Undefined, evalError, hasOwn, iterate, str, truthy, typeName } from './values.js';

export type Run = (c: Ctx, out: string[]) => void;

function emit(c: Ctx, out: string[], s: string): void {
  c.budget.chars += s.length;
  if (c.budget.chars > MAX_STRING_CHARS) throw evalError(`template output exceeds ${MAX_STRING_CHARS} characters`);
  out.push(s);
}

function assign(target: Target, value: unknown, frame: Frame, c: Ctx): void {
  if (target.k === 'name') {
    frame.vars.set(target.name, value);
  } else if (target.k === 'tuple') {
    const items = iterate(plain(value));
    if (items.length !== target.items.length) {
      throw evalError(items.length > target.items.length
        ? `too many values to unpack (expected ${target.items.length})`
        : `not enough values to unpack (expected ${target.items.length}, got ${items.length})`);
    }
    target.items.forEach((t, i) => assign(t, items[i], frame, c));
  } else {
    const ns = lookupName(c, target.ns);
    if (!(ns instanceof Namespace)) throw evalError(`cannot assign attribute on non-namespace object '${target.ns}' (${typeName(ns)})`);
    ns.vars.set(target.attr, plain(value));
  }
}

function compileBody(src: string, body: Stmt[]): Run {
  const runs = body.map((s) => compileStmt(src, s));
  if (runs.length === 1) return runs[0]!;
  return (c, out) => {
    for (const r of runs) r(c, out);
  };
}

function compileFilters(src: string, filters: FilterCall[]): (c: Ctx, s: string) => unknown {
  const steps = filters.map((f) => ({
    name: f.name,
    args: f.args.map((a) => compileExpr(src, a)),
    kwargs: f.kwargs.map(([k, e]) => [k, compileExpr(src, e)] as const),
  }));
  return (c, s) => steps.reduce<unknown>((v, f) => applyFilter(c, f.name, v, f.args.map((a) => plain(a(c))),
    Object.fromEntries(f.kwargs.map(([k, e]) => [k, plain(e(c))]))), s);
}

function renderTo(c: Ctx, run: Run): string {
  const out: string[] = [];
  run(c, out);
  return out.join('');
}

function currentFrame(c: Ctx): Frame {
  if (!c.frame) throw evalError('statements need a template frame');
  return c.frame;
}

function compileFor(src: string, s: Extract<Stmt, { k: 'for' }>): Run {
  const iter = compileExpr(src, s.iter);
  const cond: Ev | null = s.cond ? compileExpr(src, s.cond) : null;
  const body = compileBody(src, s.body);
  const otherwise = compileBody(src, s.otherwise);
  const target = s.target;
  return (c, out) => {
    let items = [...iterate(plain(iter(c)))];
    if (cond) {
      const frame: Frame = { vars: new Map(), parent: c.frame };
      const inner: Ctx = { ...c, frame };
      items = items.filter((x) => {
        assign(target, x, frame, inner);
        return truthy(cond(inner));
      });
    }
    if (!items.length) return otherwise(c, out);
    const loop = new LoopContext(items);
    for (let i = 0; i < items.length; i++) {
      if (++c.budget.iterations > MAX_ITERATIONS) throw evalError(`template loops ran more than ${MAX_ITERATIONS} iterations`);
      // A fresh scope per iteration: a {% set %} in one iteration is gone in the next, as in Jinja2.
      const frame: Frame = { vars: new Map<string, unknown>([['loop', loop]]), parent: c.frame };
      const inner: Ctx = { ...c, frame };
      loop.index0 = i;
      assign(target, items[i], frame, inner);
      body(inner, out);
    }
  };
}

function compileMacro(src: string, s: Extract<Stmt, { k: 'macro' }>): Run {
  const params = s.params.map(([p, d]) => [p, d ? compileExpr(src, d) : null] as const);
  const body = compileBody(src, s.body);
  return (c) => {
    const defined = currentFrame(c);
    const macro = new Callable(s.name, (args, kwargs) => {
      if (c.budget.depth > MAX_CALL_DEPTH) throw evalError(`macro calls nested deeper than ${MAX_CALL_DEPTH}`);
      const frame: Frame = { vars: new Map(), parent: defined };
      const inner: Ctx = { ...c, frame };
      params.forEach(([p, dflt], i) => {
        frame.vars.set(p, i < args.length ? args[i] : hasOwn(kwargs, p) ? kwargs[p] : dflt ? dflt(inner) : new Undefined(`'${p}' is undefined`));
      });
      return renderTo(inner, body);
    });
    defined.vars.set(s.name, macro);
  };
}

function compileStmt(src: string, s: Stmt): Run {
  switch (s.k) {
    case 'text': {
      const text = s.text;
      return (c, out) => emit(c, out, text);
    }
    case 'output': {
      const e = compileExpr(src, s.expr);
      return (c, out) => emit(c, out, str(plain(e(c))));
    }
    case 'if': {
      const branches = s.branches.map(([t, b]) => [compileExpr(src, t), compileBody(src, b)] as const);
      const otherwise = compileBody(src, s.otherwise);
      return (c, out) => {
        for (const [test, body] of branches) if (truthy(test(c))) return body(c, out);
        otherwise(c, out);
      };
    }
    case 'for': return compileFor(src, s);
    case 'set': {
      const value = compileExpr(src, s.value);
      return (c) => assign(s.target, value(c), currentFrame(c), c);
    }
    case 'setblock': {
      const body = compileBody(src, s.body);
      const filters = compileFilters(src, s.filters);
      return (c) => assign(s.target, filters(c, renderTo(c, body)), currentFrame(c), c);
    }
    case 'with': {
      const assigns = s.assigns.map(([t, e]) => [t, compileExpr(src, e)] as const);
      const body = compileBody(src, s.body);
      return (c, out) => {
        const frame: Frame = { vars: new Map(), parent: c.frame };
        for (const [t, e] of assigns) assign(t, e(c), frame, c);
        body({ ...c, frame }, out);
      };
    }
    case 'filterblock': {
      const body = compileBody(src, s.body);
      const filters = compileFilters(src, s.filters);
      return (c, out) => emit(c, out, str(plain(filters(c, renderTo(c, body)))));
    }
    case 'macro': return compileMacro(src, s);
  }
}

/** The closure rendering a whole template body. */
export function compileTemplateBody(src: string, body: Stmt[]): Run {
  return compileBody(src, body);
}
