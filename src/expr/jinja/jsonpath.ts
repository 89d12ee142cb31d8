// The JSONPath subset st2's jsonpath_query is used with (python-jsonpath-rw): $, .key,
// ['key'], [n], [*], .*, and ..key (recursive descent). Reads own properties only.
import { evalError, hasOwn, isDict } from './values.js';

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'deep'; key: string | null };

function parse(query: string): Step[] {
  const steps: Step[] = [];
  let i = query.startsWith('$') ? 1 : 0;
  const name = /[A-Za-z_][\w-]*|\*/y;
  while (i < query.length) {
    if (query.startsWith('..', i)) {
      name.lastIndex = i + 2;
      const m = name.exec(query);
      if (!m) throw evalError(`jsonpath_query: cannot parse ${JSON.stringify(query)} at ${i}`);
      steps.push({ kind: 'deep', key: m[0] === '*' ? null : m[0] });
      i = name.lastIndex;
    } else if (query[i] === '.') {
      name.lastIndex = i + 1;
      const m = name.exec(query);
      if (!m) throw evalError(`jsonpath_query: cannot parse ${JSON.stringify(query)} at ${i}`);
      steps.push(m[0] === '*' ? { kind: 'all' } : { kind: 'key', key: m[0] });
      i = name.lastIndex;
    } else if (query[i] === '[') {
      const end = query.indexOf(']', i);
      if (end < 0) throw evalError(`jsonpath_query: missing ']' in ${JSON.stringify(query)}`);
      const inner = query.slice(i + 1, end).trim();
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^(['"]).*\1$/.test(inner)) steps.push({ kind: 'key', key: inner.slice(1, -1) });
      else throw evalError(`jsonpath_query: unsupported selector [${inner}]`);
      i = end + 1;
    } else {
      name.lastIndex = i;
      const m = name.exec(query);
      if (!m) throw evalError(`jsonpath_query: cannot parse ${JSON.stringify(query)} at ${i}`);
      steps.push(m[0] === '*' ? { kind: 'all' } : { kind: 'key', key: m[0] });
      i = name.lastIndex;
    }
  }
  return steps;
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isDict(v)) return Object.values(v);
  return [];
}

function descend(v: unknown, key: string | null, out: unknown[]): void {
  if (key === null) out.push(...children(v));
  else if (isDict(v) && hasOwn(v, key)) out.push(v[key]);
  for (const c of children(v)) descend(c, key, out);
}

/** Every value `query` selects in `value`, in document order. */
export function jsonpathQuery(value: unknown, query: string): unknown[] {
  let cur = [value];
  for (const step of parse(query)) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (step.kind === 'key') {
        if (isDict(v) && hasOwn(v, step.key)) next.push(v[step.key]);
      } else if (step.kind === 'index') {
        if (Array.isArray(v)) {
          const i = step.index < 0 ? v.length + step.index : step.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if (step.kind === 'all') next.push(...children(v));
      else descend(v, step.key, next);
    }
    cur = next;
  }
  return cur;
}
