// StackStorm registers its expression functions for YAQL as well as Jinja
// (st2common/expressions/functions: from_json_string, to_json_string, regex_match,
// basename, version_compare, …): YAQL reaches the same implementations as Jinja's filters.
import type { HostFunction } from './functions.js';
import type { FilterRuntime } from './jinja/filter-api.js';
import { st2Filters } from './jinja/st2-filters.js';
import { toData } from './jinja/values.js';
import { SquallError } from '../errors.js';

// st2's functions never apply other filters or tests; reaching for one is a bug.
const noRuntime: FilterRuntime = {
  filter: (name) => {
    throw new SquallError('EXPR_EVAL', `${name}: not available from YAQL`);
  },
  test: (name) => {
    throw new SquallError('EXPR_EVAL', `${name}: not available from YAQL`);
  },
};

// decrypt_kv works on Jinja's st2kv.system.x references; YAQL writes st2kv('system.x', decrypt => true).
const JINJA_ONLY = new Set(['decrypt_kv']);

/** StackStorm's function `name` (value first, as YAQL calls it), or undefined. */
export function st2Function(name: string): HostFunction | undefined {
  const filter = JINJA_ONLY.has(name) ? undefined : st2Filters.get(name);
  if (!filter) return undefined;
  return (_root, args, kwargs) => toData(filter(args[0], args.slice(1), kwargs, noRuntime));
}
