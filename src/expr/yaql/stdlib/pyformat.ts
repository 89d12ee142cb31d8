// Python's str.format(), which yaql's format() calls: {} / {0} / {name} fields with
// .attribute and [key] lookups, !s / !r conversions and the common format-spec subset
// ([[fill]align][sign][0][width][,][.precision][type], types s d f e g x o b %).
import { evalError, isDict, pyNumber, pyRepr } from '../values.js';

/** Python's str(): None, True and collections print as Python writes them. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return pyNumber(v);
  return pyRepr(v);
}

const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

function group(digits: string, sep: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

function formatNumber(n: number, type: string, precision: number | undefined, sep: string | undefined, alt: boolean): string {
  const abs = Math.abs(n);
  let body: string;
  switch (type) {
    case 'd':
    case 'n':
      body = String(Math.trunc(abs));
      break;
    case 'f':
    case 'F':
      body = abs.toFixed(precision ?? 6);
      break;
    case '%':
      body = `${(abs * 100).toFixed(precision ?? 6)}%`;
      break;
    case 'e':
    case 'E': {
      const [m, e] = abs.toExponential(precision ?? 6).split('e');
      const exp = Number(e);
      body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
      if (type === 'E') body = body.toUpperCase();
      break;
    }
    case 'g':
    case 'G':
      body = String(Number(abs.toPrecision(precision || 6)));
      break;
    case 'x':
    case 'X':
      body = (alt ? '0x' : '') + Math.trunc(abs).toString(16);
      if (type === 'X') body = body.toUpperCase();
      break;
    case 'o':
      body = (alt ? '0o' : '') + Math.trunc(abs).toString(8);
      break;
    case 'b':
      body = (alt ? '0b' : '') + Math.trunc(abs).toString(2);
      break;
    default:
      body = precision !== undefined && !Number.isInteger(n) ? String(Number(abs.toPrecision(precision))) : pyNumber(abs);
  }
  if (sep) {
    const [int, frac] = body.split('.');
    body = group(int!, sep) + (frac !== undefined ? `.${frac}` : '');
  }
  return (n < 0 || Object.is(n, -0) ? '-' : '') + body;
}

function applySpec(v: unknown, spec: string, pos: number): string {
  if (spec === '') return pyStr(v);
  const m = SPEC.exec(spec);
  if (!m) throw evalError(pos, `format(): invalid format specification '${spec}'`);
  const [, fillChar, align, sign, alt, zero, widthText, sep, precText, type] = m;
  const precision = precText === undefined ? undefined : Number(precText);
  let text: string;
  let numeric = false;
  // Python formats a bool with a spec as the int it is; None, lists and dicts take no spec at all.
  if (typeof v === 'boolean') return applySpec(Number(v), spec, pos);
  if (typeof v !== 'number' && typeof v !== 'string') throw evalError(pos, `format(): the specification '${spec}' does not apply to ${pyRepr(v)}`);
  if (typeof v === 'number' && type === 's') throw evalError(pos, `format(): code 's' does not apply to the number ${pyNumber(v)}`);
  if (typeof v === 'number') {
    if (type === 'd' && !Number.isInteger(v)) throw evalError(pos, `format(): code 'd' needs an integer`);
    text = formatNumber(v, type ?? '', precision, sep, alt !== undefined);
    if (sign === '+' && v >= 0) text = `+${text}`;
    else if (sign === ' ' && v >= 0) text = ` ${text}`;
    numeric = true;
  } else {
    if (type !== undefined && type !== 's') throw evalError(pos, `format(): code '${type}' does not apply to ${pyRepr(v)}`);
    text = pyStr(v);
    if (precision !== undefined) text = text.slice(0, precision);
  }
  const width = widthText === undefined ? 0 : Number(widthText);
  if (text.length >= width) return text;
  const fill = fillChar ?? (zero && !align ? '0' : ' ');
  const how = align ?? (zero && numeric ? '=' : numeric ? '>' : '<');
  const pad = width - text.length;
  if (how === '<') return text + fill.repeat(pad);
  if (how === '>') return fill.repeat(pad) + text;
  if (how === '^') return fill.repeat(Math.floor(pad / 2)) + text + fill.repeat(pad - Math.floor(pad / 2));
  const signLen = /^[+\- ]/.test(text) ? 1 : 0;
  return text.slice(0, signLen) + fill.repeat(pad) + text.slice(signLen);
}

function lookupField(field: string, args: unknown[], kwargs: Record<string, unknown>, auto: { n: number }, pos: number): unknown {
  const m = /^([^.[]*)(.*)$/.exec(field)!;
  const head = m[1]!;
  let v: unknown;
  if (head === '') v = args[auto.n++];
  else if (/^\d+$/.test(head)) v = args[Number(head)];
  else {
    if (!Object.prototype.hasOwnProperty.call(kwargs, head)) throw evalError(pos, `format(): no argument named '${head}'`);
    v = kwargs[head];
  }
  if (v === undefined) throw evalError(pos, `format(): replacement index ${head || auto.n - 1} out of range`);
  for (const part of m[2]!.matchAll(/\.(\w+)|\[([^\]]*)\]/g)) {
    const key = part[1] ?? part[2]!;
    if (Array.isArray(v) && /^\d+$/.test(key) && Number(key) < v.length) v = v[Number(key)];
    else if (isDict(v) && Object.prototype.hasOwnProperty.call(v, key)) v = v[key];
    else throw evalError(pos, `format(): ${pyRepr(v)} has no item or attribute '${key}'`);
  }
  return v;
}

/** str.format(*args, **kwargs). */
export function pyFormat(fmt: string, args: unknown[], kwargs: Record<string, unknown>, pos: number): string {
  const auto = { n: 0 };
  return fmt.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (all, inner: string | undefined) => {
    if (all === '{{') return '{';
    if (all === '}}') return '}';
    if (inner === undefined) throw evalError(pos, `format(): single '${all}' in format string`);
    const m = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/.exec(inner);
    if (!m) throw evalError(pos, `format(): invalid field '{${inner}}'`);
    const v = lookupField(m[1]!, args, kwargs, auto, pos);
    const converted = m[2] === 'r' || m[2] === 'a' ? pyRepr(v) : m[2] === 's' ? pyStr(v) : v;
    return applySpec(converted, m[3] ?? '', pos);
  });
}
