// Jinja2's built-in filters over sequences and mappings: sorting, grouping, selecting, mapping.
import { attrGetter, type Filter, type FilterRuntime } from './filter-api.js';
import { methodOf } from './methods.js';
import { binary, getAttr } from './runtime.js';
import { arg } from './args.js';
import {
  MAX_STRING_CHARS, GroupTuple, Undefined, tuple, compare, defined, eq, evalError, isDict, iterate, str, toInt, truthy, typeName,
} from './values.js';

function sortKey(caseSensitive: boolean, attribute: unknown): (v: unknown) => unknown {
  const get = attribute === null || attribute === undefined ? (v: unknown) => v : attrGetter(attribute);
  return (v) => {
    const k = defined(get(v));
    return !caseSensitive && typeof k === 'string' ? k.toLowerCase() : k;
  };
}

/** Stable sort by key with Python's ordering (mixed types raise, as in Python). */
function sortBy(items: unknown[], key: (v: unknown) => unknown, reverse: boolean): unknown[] {
  const keyed = items.map((v) => [key(v), v] as const);
  keyed.sort((a, b) => compare(a[0], b[0], '<') * (reverse ? -1 : 1));
  return keyed.map(([, v]) => v);
}

function multiAttrKey(caseSensitive: boolean, attribute: unknown): (v: unknown) => unknown {
  if (typeof attribute === 'string' && attribute.includes(',')) {
    const keys = attribute.split(',').map((a) => sortKey(caseSensitive, a.trim()));
    return (v) => keys.map((k) => k(v));
  }
  return sortKey(caseSensitive, attribute);
}

function extreme(which: 'min' | 'max'): Filter {
  return (v, a, kw) => {
    const items = iterate(v);
    if (!items.length) return new Undefined(`No aggregated item, sequence was empty.`);
    const key = sortKey(arg(which, a, kw, 0, 'case_sensitive', false) === true, arg(which, a, kw, 1, 'attribute', null));
    let best = items[0];
    for (const x of items.slice(1)) {
      const c = compare(key(x), key(best), which === 'min' ? '<' : '>');
      if (which === 'min' ? c < 0 : c > 0) best = x;
    }
    return best;
  };
}

/** select/reject/selectattr/rejectattr: a test by name (or truthiness), on the item or one attribute. */
function selector(byAttr: boolean, keep: boolean): Filter {
  return (v, a, kw, rt: FilterRuntime) => {
    const get = byAttr ? attrGetter(defined(a[0])) : (x: unknown) => x;
    const rest = byAttr ? a.slice(1) : a;
    const check = rest.length
      ? (x: unknown) => rt.test(str(rest[0]), x, rest.slice(1), kw)
      : (x: unknown) => truthy(x);
    return iterate(v).filter((x) => {
      const y = get(x);
      return check(y instanceof Undefined && !rest.length ? false : y) === keep;
    });
  };
}

export const collectionFilters: Record<string, Filter> = {
  // Jinja's attr() is Python's getattr only: a dict's keys are items, not attributes.
  attr: (v, a) => {
    const name = str(a[0]);
    if (isDict(v) || Array.isArray(v) || typeof v === 'string') {
      return methodOf(v, name) ?? new Undefined(`'${typeName(v)} object' has no attribute '${name}'`);
    }
    return getAttr(v, name);
  },
  batch: (v, a, kw) => {
    const n = toInt(arg('batch', a, kw, 0, 'linecount'));
    if (n <= 0) throw evalError('batch size must be positive');
    const fill = arg('batch', a, kw, 1, 'fill_with', null);
    const items = iterate(v);
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const last = out[out.length - 1];
    if (fill !== null && last) while (last.length < n) last.push(fill);
    return out;
  },
  dictsort: (v, a, kw) => {
    if (!isDict(v)) throw evalError('dictsort expects a dict');
    const cs = arg('dictsort', a, kw, 0, 'case_sensitive', false) === true;
    const by = arg('dictsort', a, kw, 1, 'by', 'key');
    const reverse = arg('dictsort', a, kw, 2, 'reverse', false) === true;
    const pos = by === 'key' ? 0 : by === 'value' ? 1 : -1;
    if (pos < 0) throw evalError("You can only sort by either 'key' or 'value'");
    const key = sortKey(cs, null);
    return sortBy(Object.entries(v).map(tuple), (e) => key((e as unknown[])[pos]), reverse);
  },
  first: (v) => {
    const items = iterate(v);
    return items.length ? items[0] : new Undefined('No first item, sequence was empty.');
  },
  groupby: (v, a, kw) => {
    const get = attrGetter(arg('groupby', a, kw, 0, 'attribute'), arg('groupby', a, kw, 1, 'default', null));
    const cs = arg('groupby', a, kw, 2, 'case_sensitive', false) === true;
    const key = sortKey(cs, null);
    const groups: GroupTuple[] = [];
    let lastKey: unknown;
    for (const x of sortBy(iterate(v), (x) => key(get(x)), false)) {
      const k = key(get(x));
      const g = groups[groups.length - 1];
      if (g && eq(lastKey, k)) (g[1] as unknown[]).push(x);
      else {
        const t = new GroupTuple();
        // Case-insensitive grouping still shows the first item's own spelling, as Jinja 3 does.
        t.push(get(x), [x]);
        groups.push(t);
        lastKey = k;
      }
    }
    return groups;
  },
  items: (v) => {
    if (v instanceof Undefined) return [];
    if (!isDict(v)) throw evalError('Can only get item pairs from a mapping.');
    return Object.entries(v).map(tuple);
  },
  join: (v, a, kw) => {
    const sep = str(arg('join', a, kw, 0, 'd', ''));
    const attribute = arg('join', a, kw, 1, 'attribute', null);
    let items = iterate(v);
    if (attribute !== null) items = items.map(attrGetter(attribute));
    const out = items.map((x) => str(x)).join(sep);
    if (out.length > MAX_STRING_CHARS) throw evalError(`string would exceed ${MAX_STRING_CHARS} characters`);
    return out;
  },
  last: (v) => {
    const items = iterate(v);
    return items.length ? items[items.length - 1] : new Undefined('No last item, sequence was empty.');
  },
  list: (v) => [...iterate(v)],
  map: (v, a, kw, rt) => {
    const items = iterate(v);
    if (!a.length && Object.prototype.hasOwnProperty.call(kw, 'attribute')) {
      const get = attrGetter(kw.attribute, Object.prototype.hasOwnProperty.call(kw, 'default') ? kw.default : null);
      return items.map(get);
    }
    if (!a.length) throw evalError('map requires a filter argument');
    const name = str(a[0]);
    return items.map((x) => rt.filter(name, x, a.slice(1), kw));
  },
  max: extreme('max'),
  min: extreme('min'),
  reject: selector(false, false),
  rejectattr: selector(true, false),
  reverse: (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...iterate(v)].reverse()),
  select: selector(false, true),
  selectattr: selector(true, true),
  slice: (v, a, kw) => {
    const slices = toInt(arg('slice', a, kw, 0, 'slices'));
    if (slices <= 0) throw evalError('slices must be positive');
    const fill = arg('slice', a, kw, 1, 'fill_with', null);
    const seq = iterate(v);
    const per = Math.floor(seq.length / slices);
    const extra = seq.length % slices;
    const out: unknown[][] = [];
    let offset = 0;
    for (let i = 0; i < slices; i++) {
      const start = offset + i * per;
      if (i < extra) offset++;
      const tmp = seq.slice(start, offset + (i + 1) * per);
      if (fill !== null && i >= extra) tmp.push(fill);
      out.push(tmp);
    }
    return out;
  },
  sort: (v, a, kw) => sortBy([...iterate(v)], multiAttrKey(arg('sort', a, kw, 1, 'case_sensitive', false) === true,
    arg('sort', a, kw, 2, 'attribute', null)), arg('sort', a, kw, 0, 'reverse', false) === true),
  sum: (v, a, kw) => {
    const attribute = arg('sum', a, kw, 0, 'attribute', null);
    let total = arg('sum', a, kw, 1, 'start', 0);
    if (typeof total === 'string') throw evalError("sum() can't sum strings [use ''.join(seq) instead]");
    const get = attribute === null ? (x: unknown) => x : attrGetter(attribute);
    for (const x of iterate(v)) total = binary('+', total, defined(get(x)));
    return total;
  },
  unique: (v, a, kw) => {
    const key = sortKey(arg('unique', a, kw, 0, 'case_sensitive', false) === true, arg('unique', a, kw, 1, 'attribute', null));
    const seen: unknown[] = [];
    const out: unknown[] = [];
    for (const x of iterate(v)) {
      const k = key(x);
      if (!seen.some((s) => eq(s, k))) {
        seen.push(k);
        out.push(x);
      }
    }
    return out;
  },
};
