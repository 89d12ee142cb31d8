// Which parameter values are templates, what each reads, and the order they render in, as
// st2's param.py builds its graph (st2common/util/param.py: _process, _validate,
// _resolve_dependencies):
// - a string containing `{{` or `{%` is Jinja; one that does not parse stays as it is (a
//   docker `--format '{{.Names}}'` in a cmd), and so does one that reads no parameter and no
//   context (`{{ trigger.x }}` handed to a direct run): st2 keeps both as text;
// - a template reading a parameter and also a name that is neither a parameter nor a context
//   is an error, st2's "Dependency unsatisfied";
// - templates render after the parameters they read; a cycle is an error naming its members.
import { hasJinja, templateNames } from '../expr/index.js';
import { hasCode } from '../errors.js';

/** What templates read besides parameters: the pack config and the execution's context (st2kv is a global). */
export const CONTEXT_NAMES: ReadonlySet<string> = new Set(['config_context', 'action_context']);

/** The templates in one parameter's value and what they read. */
export interface TemplatePlan {
  /** The strings of the value to render (others stay as they are). */
  templates: ReadonlySet<string>;
  /** The parameters they read. */
  reads: ReadonlySet<string>;
  /** Whether they read the pack config (config_context). */
  readsConfig: boolean;
  /** Names read that are neither parameters nor contexts, when some parameter or context is read too. */
  unknown: readonly string[];
}

/** Every string inside a JSON-like value. */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

/** A copy of `value` with each of its strings in `templates` replaced by `render` of it. */
export function mapTemplates(value: unknown, templates: ReadonlySet<string>, render: (template: string) => unknown): unknown {
  if (typeof value === 'string') return templates.has(value) ? render(value) : value;
  if (Array.isArray(value)) return value.map((v) => mapTemplates(v, templates, render));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // A JSON body may hold an own "__proto__" key: kept as data, never as the prototype.
    Object.defineProperty(out, k, { value: mapTemplates(v, templates, render), writable: true, enumerable: true, configurable: true });
  }
  return out;
}

/** The names a template reads, or null when it does not parse (st2 then keeps it as text). */
function namesOf(text: string): ReadonlySet<string> | null {
  try {
    return templateNames(text);
  } catch (err) {
    if (hasCode(err, 'EXPR_SYNTAX')) return null;
    throw err;
  }
}

/** The plan of one value against the declared parameter names; null when nothing in it renders. */
export function planTemplates(value: unknown, parameters: ReadonlySet<string>): TemplatePlan | null {
  const templates = new Set<string>();
  const reads = new Set<string>();
  const unknown = new Set<string>();
  let readsConfig = false;
  for (const text of stringsIn(value)) {
    if (!hasJinja(text)) continue;
    const names = namesOf(text);
    if (names === null) continue;
    const known = [...names].filter((n) => parameters.has(n) || CONTEXT_NAMES.has(n));
    const strangers = [...names].filter((n) => !parameters.has(n) && !CONTEXT_NAMES.has(n));
    if (known.length === 0 && strangers.length > 0) continue;
    templates.add(text);
    for (const n of known) if (parameters.has(n)) reads.add(n);
    if (names.has('config_context')) readsConfig = true;
    for (const n of strangers) unknown.add(n);
  }
  return templates.size ? { templates, reads, readsConfig, unknown: [...unknown].sort() } : null;
}

/**
 * The template parameters in an order where each comes after the parameters it reads, and
 * the cycles found (each as the path `a → b → a`); members of a cycle, and what reads them,
 * are not in `order`.
 */
export function renderOrder(plans: ReadonlyMap<string, TemplatePlan>): { order: string[]; cycles: string[][] } {
  const order: string[] = [];
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done' | 'cyclic'>();
  const path: string[] = [];
  const visit = (name: string): boolean => {
    const seen = state.get(name);
    if (seen === 'done') return true;
    if (seen === 'cyclic') return false;
    if (seen === 'visiting') {
      const cycle = path.slice(path.indexOf(name));
      cycles.push([...cycle, name]);
      for (const n of cycle) state.set(n, 'cyclic');
      return false;
    }
    state.set(name, 'visiting');
    path.push(name);
    let ok = true;
    for (const dep of plans.get(name)!.reads) if (plans.has(dep) && !visit(dep)) ok = false;
    path.pop();
    if (state.get(name) === 'cyclic' || !ok) {
      state.set(name, 'cyclic');
      return false;
    }
    state.set(name, 'done');
    order.push(name);
    return true;
  };
  for (const name of [...plans.keys()].sort()) visit(name);
  return { order, cycles };
}
