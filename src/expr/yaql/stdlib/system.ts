// yaql's context and branching functions (system.py, branching.py): let/with build a
// context for `->`; switch/coalesce/selectCase choose among their arguments.
import { argValues, childCtx, ContextValue, type Inv, lazyFn, noMatch, valueFn, type YaqlFunction } from '../runtime.js';
import type { Dict } from '../values.js';
import { truthy } from '../values.js';

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

export const system: Record<string, YaqlFunction> = {
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
