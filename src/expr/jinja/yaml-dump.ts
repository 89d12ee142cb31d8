// PyYAML's safe_dump(value, default_flow_style=False, allow_unicode=True) as st2's
// to_yaml_string calls it: sorted keys, block style, sequences flush under their key,
// and quotes only where YAML 1.1 would read the plain string as something else.
import { KvRef, PyFloat, Undefined, evalError, floatRepr, isDict, numberRepr, resolveKv, typeName } from './values.js';

const RESOLVES_AS_OTHER = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^[-+]?(?:0b[01_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/,
  /^(?:<<|=)$/,
];

function needsQuotes(s: string): boolean {
  if (RESOLVES_AS_OTHER.some((re) => re.test(s))) return true;
  if (/^[\s]|[\s]$/.test(s) || /[\n\r\t\x00-\x08]/.test(s)) return true;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s)) return true;
  if (/^[-?:](\s|$)/.test(s)) return true;
  return s.includes(': ') || s.includes(' #') || s.endsWith(':');
}

function scalar(v: unknown, indent: string): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return numberRepr(v);
  }
  const s = v as string;
  if (!needsQuotes(s)) return s;
  return `'${s.replace(/'/g, "''").replace(/\n/g, '\n\n' + indent + '  ')}'`;
}

function isEmpty(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isDict(v) && Object.keys(v).length === 0);
}

function lines(v: unknown, indent: string, out: string[], prefix: string): void {
  if (v instanceof Undefined) throw evalError(v.hint);
  if (v instanceof KvRef) return lines(resolveKv(v), indent, out, prefix);
  if (Array.isArray(v) && v.length) {
    v.forEach((item, i) => lines(item, indent + '  ', out, (i === 0 ? prefix : indent) + '- '));
    return;
  }
  if (isDict(v) && Object.keys(v).length) {
    Object.keys(v).sort().forEach((k, i) => {
      const head = (i === 0 ? prefix : indent) + scalar(k, indent) + ':';
      const x = v[k];
      if (Array.isArray(x) && x.length) lines(x, indent, out, head + '\n' + indent);
      else if (isDict(x) && !isEmpty(x)) lines(x, indent + '  ', out, head + '\n' + indent + '  ');
      else out.push(head + ' ' + inline(x, indent));
    });
    return;
  }
  out.push(prefix + inline(v, indent));
}

function inline(v: unknown, indent: string): string {
  if (Array.isArray(v)) return '[]';
  if (isDict(v)) return '{}';
  if (v instanceof KvRef) return inline(resolveKv(v), indent);
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string' || v instanceof PyFloat) return scalar(v, indent);
  throw evalError(`cannot represent an object of type ${typeName(v)} as YAML`);
}

export function pyYamlDump(value: unknown): string {
  const out: string[] = [];
  lines(value, '', out, '');
  const text = out.join('\n') + '\n';
  const isScalar = !Array.isArray(value) && !isDict(value);
  return isScalar || isEmpty(value) ? text + (isScalar ? '...\n' : '') : text;
}
