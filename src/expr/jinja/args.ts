// Python-style argument binding for filters and methods: positional or keyword, with defaults.
import { evalError, hasOwn, type Dict } from './values.js';

const MISSING = Symbol('missing');

/** Argument `i` (or keyword `name`) of a call, Python-style; `dflt` when absent, an error when required. */
export function arg(fn: string, args: readonly unknown[], kwargs: Dict, i: number, name: string, dflt: unknown = MISSING): unknown {
  if (i < args.length) {
    if (hasOwn(kwargs, name)) throw evalError(`${fn}() got multiple values for argument '${name}'`);
    return args[i];
  }
  if (hasOwn(kwargs, name)) return kwargs[name];
  if (dflt === MISSING) throw evalError(`${fn}() missing required argument '${name}'`);
  return dflt;
}

/** Fails when a call got keywords or more positionals than `names` allows. */
export function checkArgs(fn: string, args: readonly unknown[], kwargs: Dict, names: readonly string[]): void {
  if (args.length > names.length) throw evalError(`${fn}() takes at most ${names.length} arguments (${args.length} given)`);
  for (const k of Object.keys(kwargs)) {
    if (!names.includes(k)) throw evalError(`${fn}() got an unexpected keyword argument '${k}'`);
  }
}
