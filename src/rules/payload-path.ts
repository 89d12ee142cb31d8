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

/** `h[k]` when `h` is a map (not a list) with its own key `k`, else undefined: one plain-key step of `lookup`. */
export function ownValue(h: unknown, k: string): unknown {
  return typeof h === 'object' && h !== null && !Array.isArray(h) && hasOwn.call(h, k) ? (h as Record<string, unknown>)[k] : undefined;
}

/** The path's one key when it is a single plain key (`trigger.status`), else null. */
export const singleKey = (path: readonly Segment[]): string | null => (path.length === 1 && typeof path[0] === 'string' ? path[0] : null);

/**
 * `lookup` for one path as a closure: paths of plain keys (the common `trigger.a.b`) get a
 * loop without the wildcard and array-index cases; the others fall back to `lookup`.
 */
export function compileLookup(path: readonly Segment[]): (value: unknown) => unknown {
  if (!path.every((s): s is string => typeof s === 'string')) return (value) => lookup(value, path);
  const keys = path as readonly string[];
  const k = singleKey(keys);
  if (k !== null) return (h) => ownValue(h, k);
  return (value) => {
    let h = value;
    for (let i = 0; i < keys.length && h !== undefined; i++) h = ownValue(h, keys[i]!);
    return h;
  };
}
