// Criteria compiled into one closure per rule for the matcher's hot path: no per-event
// dispatch on node kinds, payload paths resolved by closures made for their shape.
// Same outcomes as criteria.ts's evalGroup (criteria.test.ts checks both paths agree).
import { passesLeaf, type EvalContext, type Group, type Leaf, type Node } from './criteria.js';
import type { Segment } from './payload-path.js';

export type Predicate = (roots: Record<string, unknown>, ctx: EvalContext) => boolean;

const hasOwn = Object.prototype.hasOwnProperty;

function getter(root: string, path: readonly Segment[]): ((roots: Record<string, unknown>) => unknown) | null {
  if (!path.every((s): s is string => typeof s === 'string')) return null;
  const keys = path as readonly string[];
  if (keys.length === 1) {
    const k = keys[0]!;
    return (roots) => {
      const h = roots[root];
      return typeof h === 'object' && h !== null && !Array.isArray(h) && hasOwn.call(h, k) ? (h as Record<string, unknown>)[k] : undefined;
    };
  }
  return (roots) => {
    let h: unknown = roots[root];
    for (let i = 0; i < keys.length; i++) {
      if (typeof h !== 'object' || h === null || Array.isArray(h) || !hasOwn.call(h, keys[i]!)) return undefined;
      h = (h as Record<string, unknown>)[keys[i]!];
    }
    return h;
  };
}

function leafPredicate(leaf: Leaf): Predicate {
  const test = leaf.test;
  const get = test ? getter(leaf.root, leaf.path) : null;
  if (test && get) return (roots) => test(get(roots));
  return (roots, ctx) => passesLeaf(leaf, roots, ctx);
}

/** One closure deciding a single criterion or group. */
export function nodePredicate(n: Node): Predicate {
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
