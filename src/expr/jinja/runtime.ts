// What Jinja2's environment does at run time: attribute and item access (a.b falls back to
// a['b'] and the other way round), slicing, and Python's arithmetic. Reads are own-property
// reads on plain data only, so no template can reach a JavaScript prototype or function.
import { methodOf } from './methods.js';
import { percentFormat } from './format.js';
import {
  MAX_STRING_CHARS, Callable, GroupTuple, KvRef, Namespace, PyFloat, Undefined, defined, evalError, hasOwn, isDict, isFloat, isNumeric,
  num, numberRepr, pyFloat, repr, str, toInt, typeName,
} from './values.js';

/** Lists built by `*` or range() stop at this many items (range's cap matches Jinja2's sandbox). */
export const MAX_RANGE = 100_000;
const MAX_LIST_ITEMS = 1_000_000;

/** `loop` inside a for block. */
export class LoopContext {
  index0 = 0;
  constructor(readonly items: readonly unknown[]) {}

  attr(name: string): unknown {
    const n = this.items.length;
    const i = this.index0;
    switch (name) {
      case 'index': return i + 1;
      case 'index0': return i;
      case 'revindex': return n - i;
      case 'revindex0': return n - i - 1;
      case 'first': return i === 0;
      case 'last': return i === n - 1;
      case 'length': return n;
      case 'depth': return 1;
      case 'depth0': return 0;
      case 'previtem': return i > 0 ? this.items[i - 1] : new Undefined('there is no previous item');
      case 'nextitem': return i < n - 1 ? this.items[i + 1] : new Undefined('there is no next item');
      case 'cycle':
        return new Callable('cycle', (args) => {
          if (!args.length) throw evalError('no items for cycling given');
          return args[i % args.length];
        });
    }
    return new Undefined(`'LoopContext object' has no attribute '${name}'`);
  }
}

function noAttr(obj: unknown, name: string): Undefined {
  if (obj === null) return new Undefined(`'None' has no attribute '${name}'`);
  return new Undefined(`'${typeName(obj)} object' has no attribute '${name}'`);
}

/** `obj.name`: Python attribute first (methods), then the item. */
export function getAttr(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) throw evalError(obj.hint);
  if (obj instanceof KvRef) return new KvRef([...obj.path, name], obj.lookup);
  if (obj instanceof GroupTuple && (name === 'grouper' || name === 'list')) return obj[name === 'grouper' ? 0 : 1];
  if (isDict(obj)) {
    // Python looks the attribute up first, so d.items is the method even when 'items' is a key.
    const method = methodOf(obj, name);
    if (method) return method;
    return hasOwn(obj, name) ? obj[name] : noAttr(obj, name);
  }
  const method = methodOf(obj, name);
  if (method) return method;
  if (obj instanceof Namespace) return obj.vars.has(name) ? obj.vars.get(name) : noAttr(obj, name);
  if (obj instanceof LoopContext) return obj.attr(name);
  return noAttr(obj, name);
}

function seqIndex(length: number, key: number): number {
  const i = key < 0 ? length + key : key;
  return i >= 0 && i < length ? i : -1;
}

/** `obj[key]`: the item first, then (for string keys) the attribute. */
export function getItem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Undefined) throw evalError(obj.hint);
  defined(key);
  if (obj instanceof KvRef) return typeof key === 'string' ? new KvRef([...obj.path, key], obj.lookup) : noAttr(obj, str(key));
  if (typeof key === 'number' || typeof key === 'boolean') {
    const k = Number(key);
    if (Array.isArray(obj) && Number.isInteger(k)) {
      const i = seqIndex(obj.length, k);
      return i >= 0 ? obj[i] : new Undefined(`'${typeName(obj)} object' has no element ${numberRepr(k)}`);
    }
    if (typeof obj === 'string' && Number.isInteger(k)) {
      const chars = [...obj];
      const i = seqIndex(chars.length, k);
      return i >= 0 ? chars[i] : new Undefined(`'str object' has no element ${numberRepr(k)}`);
    }
    if (isDict(obj)) return hasOwn(obj, numberRepr(k)) ? obj[numberRepr(k)] : new Undefined(`'dict object' has no element ${numberRepr(k)}`);
    return new Undefined(`'${typeName(obj)} object' has no element ${repr(key)}`);
  }
  if (typeof key === 'string') {
    if (isDict(obj) && hasOwn(obj, key)) return obj[key];
    return getAttr(obj, key);
  }
  return new Undefined(`'${typeName(obj)} object' has no element ${repr(key)}`);
}

/** Python slicing of lists and strings: `x[a:b:c]`. */
export function sliceOf(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const seq = typeof obj === 'string' ? [...obj] : Array.isArray(obj) ? obj : null;
  if (!seq) {
    defined(obj);
    throw evalError(`'${typeName(obj)}' object is not subscriptable`);
  }
  const n = seq.length;
  const st = step === null ? 1 : toInt(step);
  if (st === 0) throw evalError('slice step cannot be zero');
  const norm = (v: unknown, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    let i = toInt(v);
    if (i < 0) i += n;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  if (st > 0) {
    for (let i = norm(start, 0, 0, n), e = norm(stop, n, 0, n); i < e; i += st) out.push(seq[i]);
  } else {
    for (let i = norm(start, n - 1, -1, n - 1), e = norm(stop, -1, -1, n - 1); i > e; i += st) out.push(seq[i]);
  }
  return typeof obj === 'string' ? out.join('') : out;
}

function unsupported(op: string, a: unknown, b: unknown): never {
  defined(a);
  defined(b);
  throw evalError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function repeat(seq: unknown, times: unknown): unknown {
  const n = Math.max(0, toInt(times));
  if (typeof seq === 'string') {
    if (seq.length * n > MAX_STRING_CHARS) throw evalError(`string repetition would exceed ${MAX_STRING_CHARS} characters`);
    return seq.repeat(n);
  }
  const list = seq as unknown[];
  if (list.length * n > MAX_LIST_ITEMS) throw evalError(`list repetition would exceed ${MAX_LIST_ITEMS} items`);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(...list);
  return out;
}

function isInt(v: unknown): boolean {
  return typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v));
}

function divisor(d: number, what: string): number {
  if (d === 0) throw evalError(`${what} by zero`);
  return d;
}

/** Python arithmetic on two numbers: int op int stays int (except `/`), anything with a float is a float. */
function arithmetic(op: string, a: number | boolean | PyFloat, b: number | boolean | PyFloat): unknown {
  const [x, y] = [num(a), num(b)];
  let r: number;
  switch (op) {
    case '+': r = x + y; break;
    case '-': r = x - y; break;
    case '*': r = x * y; break;
    case '/': return pyFloat(x / divisor(y, 'division'));
    case '//': r = Math.floor(x / divisor(y, 'integer division or modulo')); break;
    case '%': {
      const d = divisor(y, 'integer division or modulo');
      r = x % d;
      if (r !== 0 && (r < 0) !== (d < 0)) r += d;
      break;
    }
    default:
      if (x === 0 && y < 0) throw evalError('0.0 cannot be raised to a negative power');
      r = x ** y;
      if (y < 0) return pyFloat(r);
  }
  return isFloat(a) || isFloat(b) ? pyFloat(r) : r;
}

/** Python's binary operators over Jinja values. */
export function binary(op: string, a: unknown, b: unknown): unknown {
  switch (op) {
    case '+':
      if (isNumeric(a) && isNumeric(b)) return arithmetic(op, a, b);
      if (typeof a === 'string' && typeof b === 'string') {
        if (a.length + b.length > MAX_STRING_CHARS) throw evalError(`string would exceed ${MAX_STRING_CHARS} characters`);
        return a + b;
      }
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      return unsupported(op, a, b);
    case '-':
      return isNumeric(a) && isNumeric(b) ? arithmetic(op, a, b) : unsupported(op, a, b);
    case '*':
      if (isNumeric(a) && isNumeric(b)) return arithmetic(op, a, b);
      if ((typeof a === 'string' || Array.isArray(a)) && isInt(b)) return repeat(a, b);
      if ((typeof b === 'string' || Array.isArray(b)) && isInt(a)) return repeat(b, a);
      return unsupported(op, a, b);
    case '/':
    case '//':
      return isNumeric(a) && isNumeric(b) ? arithmetic(op, a, b) : unsupported(op, a, b);
    case '%':
      if (typeof a === 'string') return percentFormat(a, defined(b));
      return isNumeric(a) && isNumeric(b) ? arithmetic(op, a, b) : unsupported(op, a, b);
    case '**':
      return isNumeric(a) && isNumeric(b) ? arithmetic(op, a, b) : unsupported(op, a, b);
    case '~': {
      const s = str(defined(a)) + str(defined(b));
      if (s.length > MAX_STRING_CHARS) throw evalError(`string would exceed ${MAX_STRING_CHARS} characters`);
      return s;
    }
  }
  throw evalError(`unknown operator ${op}`);
}
