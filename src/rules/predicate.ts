// Criteria compiled into one closure, for criteria decided many times per event: the
// children of a `search`, once per list item (the matcher's plan, plan.ts, decides the
// top level). No per-item dispatch on node kinds; payload paths resolved by closures made
// for their shape. Same outcomes as criteria.ts's evalGroup (criteria.test.ts checks both
// paths agree).
import { leafPassesOn, type EvalContext, type Group, type Leaf, type Node } from './criteria.js';
import { passesFast } from './fast-tests.js';
import { compileLookup } from './payload-path.js';

export type Predicate = (roots: Record<string, unknown>, ctx: EvalContext) => boolean;

/**
 * A `search` leaf's check of the value at its key: st2's condition any → some item passes
 * every child criterion; all → every item does (true for an empty list); not a list → false.
 */
export function searchTest(leaf: Leaf): (value: unknown, ctx: EvalContext) => boolean {
  const item = compilePredicate(leaf.children!);
  const any = leaf.condition === 'any';
  return (value, ctx) => {
    if (!Array.isArray(value)) return false;
    for (let i = 0; i < value.length; i++) if (item({ item: value[i] }, ctx) === any) return any;
    return !any;
  };
}

function leafPredicate(leaf: Leaf): Predicate {
  const get = compileLookup(leaf.path);
  const { root, test } = leaf;
  if (test) return (roots) => passesFast(test, get(roots[root]));
  if (leaf.children) {
    const search = searchTest(leaf);
    return (roots, ctx) => search(get(roots[root]), ctx);
  }
  return (roots, ctx) => leafPassesOn(leaf, get(roots[root]), roots, ctx);
}

function nodePredicate(n: Node): Predicate {
  return n.kind === 'leaf' ? leafPredicate(n) : compilePredicate(n);
}

/** One closure deciding `group`. */
export function compilePredicate(group: Group): Predicate {
  const fs = group.items.map(nodePredicate);
  if (group.kind === 'any') return (r, c) => {
    for (let i = 0; i < fs.length; i++) if (fs[i]!(r, c)) return true;
    return false;
  };
  const all: Predicate = fs.length === 1 ? fs[0]! : fs.length === 2 ? ((a, b) => (r, c) => a(r, c) && b(r, c))(fs[0]!, fs[1]!) : (r, c) => {
    for (let i = 0; i < fs.length; i++) if (!fs[i]!(r, c)) return false;
    return true;
  };
  if (group.kind === 'not') return (r, c) => !all(r, c);
  return fs.length === 0 ? () => true : all;
}
