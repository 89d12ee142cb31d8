// Python's two string formatting languages as templates use them: printf-style
// (`"%s-%05.2f" % (a, b)`, Jinja's `format` filter) and str.format() with its format-spec.
import {
  Tuple, checkWidth, defined, evalError, floatRepr, hasOwn, isDict, isFloat, isNumeric, num, numberRepr, repr, str, toFloat, toInt, typeName, type Dict,
} from './values.js';

function pad(s: string, width: number, align: string, fill: string): string {
  if (s.length >= width) return s;
  checkWidth(width);
  const n = width - s.length;
  if (align === '<') return s + fill.repeat(n);
  if (align === '^') return fill.repeat(Math.floor(n / 2)) + s + fill.repeat(n - Math.floor(n / 2));
  if (align === '=') {
    const sign = /^[+\- ]/.test(s) ? s[0]! : '';
    return sign + fill.repeat(n) + s.slice(sign.length);
  }
  return fill.repeat(n) + s;
}

function groupThousands(digits: string, sep: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** A number formatted by a conversion type (d f e g x o b %), without width/alignment. */
function formatNumber(n: number, type: string, precision: number | undefined, alt: boolean, sign: string, group: string): string {
  const neg = n < 0 || Object.is(n, -0);
  const a = Math.abs(n);
  let body: string;
  switch (type) {
    case 'd': case 'i': case 'u': case 'n': body = Math.trunc(a).toString(); break;
    case 'x': case 'X': body = (alt ? '0x' : '') + Math.trunc(a).toString(16); break;
    case 'o': body = (alt ? '0o' : '') + Math.trunc(a).toString(8); break;
    case 'b': body = (alt ? '0b' : '') + Math.trunc(a).toString(2); break;
    case 'f': case 'F': body = Number.isFinite(a) ? a.toFixed(precision ?? 6) : numberRepr(a); break;
    case 'e': case 'E': {
      const [m, e] = a.toExponential(precision ?? 6).split('e') as [string, string];
      body = `${m}e${e[0] === '-' ? '-' : '+'}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
      break;
    }
    case '%': body = (a * 100).toFixed(precision ?? 6) + '%'; break;
    case 'g': case 'G': {
      const p = precision === 0 ? 1 : (precision ?? 6);
      const exp = a === 0 ? 0 : Math.floor(Math.log10(a));
      if (exp < -4 || exp >= p) {
        const [m, e] = a.toExponential(p - 1).split('e') as [string, string];
        const mm = alt ? m : m.replace(/\.?0+$/, '');
        body = `${mm}e${e[0] === '-' ? '-' : '+'}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
      } else {
        const f = a.toFixed(Math.max(0, p - 1 - exp));
        body = alt || !f.includes('.') ? f : f.replace(/\.?0+$/, '');
      }
      break;
    }
    default: body = numberRepr(a);
  }
  if (type === 'X' || type === 'E' || type === 'G' || type === 'F') body = body.toUpperCase();
  if (group) {
    const [int, frac] = body.split('.') as [string, string?];
    body = groupThousands(int, group) + (frac !== undefined ? '.' + frac : '');
  }
  return (neg && n !== 0 ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '') + body;
}

/** Python's format(value, spec) for str, int, float, bool and None. */
function formatSpec(value: unknown, spec: string): string {
  defined(value);
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) throw evalError(`invalid format specifier '${spec}'`);
  const [, fillCh, alignCh, sign = '-', alt, zero, widthS, group = '', precS, typeCh] = m;
  const width = widthS ? Number(widthS) : 0;
  const precision = precS !== undefined ? Number(precS) : undefined;
  let fill = fillCh ?? ' ';
  let align = alignCh ?? '';
  if (zero && !alignCh) {
    fill = '0';
    align = '=';
  }
  let body: string;
  if (isNumeric(value)) {
    const n = num(value);
    let type = typeCh ?? '';
    if (!type) {
      if (typeof value === 'boolean' && !spec) return str(value);
      type = !isFloat(value) && precision === undefined ? 'd' : precision !== undefined ? 'g' : '';
    }
    if (type === 's') throw evalError(`Unknown format code 's' for object of type '${typeName(value)}'`);
    if (type === 'c') body = String.fromCodePoint(toInt(n));
    else if ('dxXob'.includes(type) && !Number.isInteger(n)) throw evalError(`Unknown format code '${type}' for object of type 'float'`);
    else body = type === '' ? (sign === '+' && n >= 0 ? '+' : '') + floatRepr(n) : formatNumber(n, type, precision, !!alt, sign, group);
    return pad(body, width, align || '>', fill);
  }
  if (typeCh && typeCh !== 's') throw evalError(`Unknown format code '${typeCh}' for object of type '${typeName(value)}'`);
  body = str(value);
  if (precision !== undefined) body = body.slice(0, precision);
  return pad(body, width, align || '<', fill);
}

/** Python's str.format(): `{}`, `{0}`, `{name}`, `{0[key]}`, `{a.b}`, `!r`/`!s`, and a format-spec. */
export function strFormat(template: string, args: unknown[], kwargs: Dict): string {
  let auto = 0;
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (whole, field: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    if (field === undefined) throw evalError(`Single '${whole}' encountered in format string`);
    const fm = /^([^.[!:]*)((?:\.[^.[!:]+|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/s.exec(field);
    if (!fm) throw evalError(`invalid format field '{${field}}'`);
    const [, head = '', path = '', conv, spec = ''] = fm;
    let v: unknown;
    if (head === '') {
      if (auto >= args.length) throw evalError(`Replacement index ${auto} out of range for positional args tuple`);
      v = args[auto++];
    } else if (/^\d+$/.test(head)) {
      if (Number(head) >= args.length) throw evalError(`Replacement index ${head} out of range for positional args tuple`);
      v = args[Number(head)];
    } else {
      if (!hasOwn(kwargs, head)) throw evalError(`KeyError: '${head}'`);
      v = kwargs[head];
    }
    for (const part of path.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
      const key = part.startsWith('.') ? part.slice(1) : part.slice(1, -1);
      if (Array.isArray(v) && /^\d+$/.test(key)) v = v[Number(key)];
      else if (isDict(v) && hasOwn(v, key)) v = v[key];
      else throw evalError(`KeyError: '${key}'`);
    }
    if (conv === 'r' || conv === 'a') v = repr(v);
    else if (conv === 's') v = str(v);
    return formatSpec(v, spec);
  });
}

/** printf-style `fmt % values` (Python's str % operator). */
export function percentFormat(fmt: string, values: unknown): string {
  // Only a tuple spreads into several arguments, as in Python: '%s' % [1, 2] prints the list.
  const list = values instanceof Tuple ? values : [values];
  const mapping = isDict(values) ? values : null;
  let i = 0;
  const next = (): unknown => {
    if (i >= list.length) throw evalError('not enough arguments for format string');
    return list[i++];
  };
  const out = fmt.replace(/%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])|%/g,
    (whole, key: string | undefined, flags: string, w: string | undefined, p: string | undefined, type: string | undefined) => {
      if (!type) throw evalError(`incomplete format`);
      if (type === '%' && whole === '%%') return '%';
      const width = w === '*' ? toInt(next()) : w ? Number(w) : 0;
      const precision = p === '*' ? toInt(next()) : p !== undefined ? Number(p) : undefined;
      let v: unknown;
      if (key !== undefined) {
        if (!mapping || !hasOwn(mapping, key)) throw evalError(`KeyError: '${key}'`);
        v = mapping[key];
      } else {
        v = next();
      }
      let body: string;
      if (type === 's') body = str(v);
      else if (type === 'r' || type === 'a') body = repr(v);
      else if (type === 'c') body = typeof v === 'string' ? v : String.fromCodePoint(toInt(v));
      else {
        const n = 'diouxX'.includes(type) ? toInt(typeof v === 'string' ? bad(type, v) : toFloat(v)) : toFloat(typeof v === 'string' ? bad(type, v) : v);
        body = formatNumber(n, type, precision, flags.includes('#'), flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '-', '');
        if (flags.includes('0') && !flags.includes('-')) return pad(body, width, '=', '0');
      }
      if ((type === 's' || type === 'r') && precision !== undefined) body = body.slice(0, precision);
      return pad(body, width, flags.includes('-') ? '<' : '>', ' ');
    });
  if (!mapping && i < list.length && !(list.length === 1 && isDict(list[0]))) {
    throw evalError('not all arguments converted during string formatting');
  }
  return out;
}

function bad(type: string, v: string): never {
  throw evalError(`%${type} format: a real number is required, not str (got ${repr(v)})`);
}
