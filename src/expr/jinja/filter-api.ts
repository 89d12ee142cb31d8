// The shape shared by every filter, and Jinja's attribute getter (`attribute='a.b.0'`).
import { getItem } from './runtime.js';
import { Undefined, str, type Dict } from './values.js';

export interface FilterRuntime {
  filter(name: string, value: unknown, args: unknown[], kwargs: Dict): unknown;
  test(name: string, value: unknown, args: unknown[], kwargs: Dict): boolean;
}

export type Filter = (value: unknown, args: unknown[], kwargs: Dict, rt: FilterRuntime) => unknown;

/** Jinja's attribute getter for `attribute='a.b.0'`: item lookups, digits as list indexes. */
export function attrGetter(attribute: unknown, dflt: unknown = null): (v: unknown) => unknown {
  const parts = typeof attribute === 'number' ? [attribute] : str(attribute).split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return (v) => {
    let cur = v;
    for (const p of parts) cur = getItem(cur, p);
    if (cur instanceof Undefined && dflt !== null) return dflt;
    return cur;
  };
}

