// Criteria keys are st2 JSONPath-like lookups into the payload: `trigger.body.status`,
// `trigger.headers['X-GitHub-Event']`, `trigger.alerts[0].labels.severity`,
// `trigger.hosts[*].name` (the first match is used, as st2 does).

export type Segment = string | number | typeof WILDCARD;
export const WILDCARD = Symbol('*');

/** Splits a key into its root name and segments; null when it cannot be parsed. */
export function parseKey(key: string): { root: string; path: Segment[] } | null {
  const segs: Segment[] = [];
  const re = /\s*(?:\.?\s*([A-Za-z_$][\w$-]*|\*)|\[\s*(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\*))\s*\])/y;
  let i = 0;
  while (i < key.length) {
    re.lastIndex = i;
    const m = re.exec(key);
    if (!m || m[0].length === 0) return null;
    if (m[1] !== undefined) segs.push(m[1] === '*' ? WILDCARD : m[1]);
    else if (m[2] !== undefined) segs.push(Number(m[2]));
    else if (m[3] !== undefined || m[4] !== undefined) segs.push((m[3] ?? m[4])!.replace(/\\(.)/g, '$1'));
    else segs.push(WILDCARD);
    i = re.lastIndex;
  }
  const [root, ...path] = segs;
  if (typeof root !== 'string') return null;
  return { root, path };
}

/** The first value at `path` under `value`, or undefined. */
export function lookup(value: unknown, path: readonly Segment[], from = 0): unknown {
  let here = value;
  for (let i = from; i < path.length; i++) {
    if (here === null || typeof here !== 'object') return undefined;
    const seg = path[i]!;
    if (seg === WILDCARD) {
      for (const child of Array.isArray(here) ? here : Object.values(here)) {
        const found = lookup(child, path, i + 1);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (Array.isArray(here)) {
      if (typeof seg !== 'number') return undefined;
      here = here[seg];
    } else {
      const key = String(seg);
      here = Object.prototype.hasOwnProperty.call(here, key) ? (here as Record<string, unknown>)[key] : undefined;
    }
  }
  return here;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * `lookup` for one path as a closure: paths of plain keys (the common `trigger.a.b`) get a
 * loop without the wildcard and array-index cases; the others fall back to `lookup`.
 */
export function compileLookup(path: readonly Segment[]): (value: unknown) => unknown {
  if (!path.every((s): s is string => typeof s === 'string')) return (value) => lookup(value, path);
  const keys = path as readonly string[];
  if (keys.length === 1) {
    const k = keys[0]!;
    return (h) => (typeof h === 'object' && h !== null && !Array.isArray(h) && hasOwn.call(h, k) ? (h as Record<string, unknown>)[k] : undefined);
  }
  return (value) => {
    let h = value;
    for (let i = 0; i < keys.length; i++) {
      if (typeof h !== 'object' || h === null || Array.isArray(h) || !hasOwn.call(h, keys[i]!)) return undefined;
      h = (h as Record<string, unknown>)[keys[i]!];
    }
    return h;
  };
}
