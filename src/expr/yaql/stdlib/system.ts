// yaql's context and branching functions (system.py, branching.py): let/with build a
// context for `->`; switch/coalesce/selectCase choose among their arguments.
import { argValues, childCtx, ContextValue, type Ctx, type Inv, lambdaArg, lazyFn, noMatch, valueFn, type YaqlFunction } from '../runtime.js';
import { type Dict, evalError, truthy } from '../values.js';

function namedValues(inv: Inv): Dict | undefined {
  if (!inv.kw) return undefined;
  const out: Dict = {};
  for (const k of Object.keys(inv.kw)) out[k] = inv.kw[k]!.ev(inv.ctx);
  return out;
}

/** switch(cond => value, …): the value of the first true condition; only that value is evaluated. */
function switchFn(inv: Inv): unknown {
  if (inv.kw) throw noMatch(inv, 'conditions must be expressions, not bare names');
  for (const n of inv.args) {
    if (!n.pair) throw noMatch(inv, 'expected condition => value pairs');
    if (truthy(n.pair.key.ev(inv.ctx))) return n.pair.value.ev(inv.ctx);
  }
  return null;
}

/** sequence.unpack(names…): a context with the items as $name, or as $1, $2, … without names. */
function unpack(inv: Inv): ContextValue {
  const a = argValues(inv);
  const xs = a[0];
  if (!Array.isArray(xs)) throw noMatch(inv, 'expected a collection');
  const names = a.slice(1);
  if (names.length === 0) return new ContextValue(childCtx(inv.ctx, xs));
  if (names.length !== xs.length) throw evalError(inv.pos, `unpack(): ${xs.length} items into ${names.length} names`);
  const named: Dict = Object.create(null) as Dict;
  names.forEach((n, i) => {
    named[String(n)] = xs[i];
  });
  return new ContextValue(childCtx(inv.ctx, [], named));
}

/** obj.assert(condition, message): obj itself when the condition (with `$` = obj) holds. */
function assertFn(inv: Inv): unknown {
  if (inv.args.length < 2 || inv.args.length > 3) throw noMatch(inv);
  const obj = inv.args[0]!.ev(inv.ctx);
  const message = inv.args[2] ? inv.args[2].ev(inv.ctx) : 'Assertion failed';
  if (!truthy(lambdaArg(inv, 1)!(obj))) throw evalError(inv.pos, `assert(): ${String(message)}`);
  return obj;
}

/** def(name, body): a context where name(…) evaluates body with `$`/`$1`… and `$arg` bound. */
function defFn(inv: Inv): ContextValue {
  if (inv.args.length !== 2 || inv.kw) throw noMatch(inv);
  const name = inv.args[0]!.ev(inv.ctx);
  if (typeof name !== 'string') throw noMatch(inv, 'expected a function name');
  const body = inv.args[1]!;
  const fns = Object.create(null) as Record<string, (args: unknown[], kw: Dict) => unknown>;
  const scope: Ctx = { ...childCtx(inv.ctx, []), fns };
  fns[name] = (args, kw) => body.ev(childCtx(scope, args, Object.keys(kw).length ? kw : undefined));
  return new ContextValue(scope);
}

export const system: Record<string, YaqlFunction> = {
  def: lazyFn('function', defFn),
  unpack: lazyFn('method', unpack),
  assert: lazyFn('method', assertFn),
  // case.switchCase(a, b, …): the argument at that index (the last one when out of range); only it is evaluated.
  switchCase: lazyFn('method', (inv) => {
    const c = inv.args[0]!.ev(inv.ctx);
    if (typeof c !== 'number' || !Number.isInteger(c) || inv.kw) throw noMatch(inv);
    const branches = inv.args.slice(1);
    if (branches.length === 0) return null;
    return (branches[c >= 0 && c < branches.length ? c : branches.length - 1]!).ev(inv.ctx);
  }),
  let: lazyFn('function', (inv) => new ContextValue(childCtx(inv.ctx, argValues(inv), namedValues(inv)))),
  with: valueFn('function', (a, inv) => new ContextValue(childCtx(inv.ctx, a))),
  coalesce: lazyFn('function', (inv) => {
    for (const n of inv.args) {
      const v = n.ev(inv.ctx);
      if (v !== null && v !== undefined) return v;
    }
    return null;
  }),
  switch: lazyFn('function', switchFn),
  selectCase: valueFn('function', (a) => {
    const i = a.findIndex(truthy);
    return i < 0 ? a.length : i;
  }),
  selectAllCases: valueFn('function', (a) => a.flatMap((v, i) => (truthy(v) ? [i] : []))),
};
