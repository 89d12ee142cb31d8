// StackStorm's own Jinja filters (st2common/st2common/expressions/functions/*.py and
// util/jinja.py), matched to their Python behaviour. In Orquesta they are functions too.
import { parse as parseYaml, type Tags } from 'yaml';
import type { Filter } from './filter-api.js';
import { pyJson } from './json.js';
import { jsonpathQuery } from './jsonpath.js';
import { pythonRegex, pythonReplacement } from './regex.js';
import { pyYamlDump } from './yaml-dump.js';
import { arg } from './args.js';
import { KvRef, PyFloat, lookupKv, defined, evalError, iterate, str, toInt, tuple } from './values.js';

/** st2's marker for None in rendered parameters (st2common/util/jinja.py NONE_MAGIC_VALUE). */
export const NONE_MAGIC_VALUE = '%*****__%NONE%__*****%';

interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string | null;
}

function parseSemver(v: unknown): SemVer {
  const m = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(str(defined(v)));
  if (!m) throw evalError(`${str(v)} is not valid SemVer string`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? null };
}

function comparePre(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const [x, y] = [pa[i]!, pb[i]!];
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    const c = nx && ny ? Number(x) - Number(y) : nx ? -1 : ny ? 1 : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return Math.sign(c);
  }
  return Math.sign(pa.length - pb.length);
}

function semverCompare(a: unknown, b: unknown): number {
  const [x, y] = [parseSemver(a), parseSemver(b)];
  for (const k of ['major', 'minor', 'patch'] as const) if (x[k] !== y[k]) return Math.sign(x[k] - y[k]);
  return comparePre(x.pre, y.pre);
}

function semverMatch(version: unknown, expr: unknown): boolean {
  const e = str(defined(expr));
  const op = ['>=', '<=', '==', '!='].find((o) => e.startsWith(o)) ?? ['>', '<'].find((o) => e.startsWith(o));
  if (!op) throw evalError(`match_expr parameter should be in format <op><ver>, where <op> is one of ['<', '>', '==', '<=', '>=', '!=']. You provided: '${e}'`);
  const c = semverCompare(version, e.slice(op.length));
  return { '>=': c >= 0, '<=': c <= 0, '==': c === 0, '!=': c !== 0, '>': c > 0, '<': c < 0 }[op]!;
}

function bump(part: 'major' | 'minor' | 'patch'): Filter {
  return (v) => {
    const s = parseSemver(v);
    if (part === 'major') return `${s.major + 1}.0.0`;
    if (part === 'minor') return `${s.major}.${s.minor + 1}.0`;
    return `${s.major}.${s.minor}.${s.patch + 1}`;
  };
}

/** st2's to_human_time_from_seconds, including its habit of dropping whole months. */
function humanTime(seconds: unknown): unknown {
  if (seconds === null) return null;
  if (seconds instanceof PyFloat) return humanTime(seconds.value);
  if (typeof seconds !== 'number') throw evalError('to_human_time_from_seconds expects a number of seconds');
  if (seconds === 0) return '0s';
  if (seconds < 1) return `${str(seconds)}\u03BCs`;
  const secs = Number.isInteger(seconds) ? seconds : Math.round(seconds);
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  d.setUTCHours(0, 0, 0, 0);
  d.setTime(d.getTime() + secs * 1000);
  const parts = [d.getUTCFullYear() - 1, d.getUTCDate() - 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  const first = parts.findIndex((x) => x !== 0);
  if (first < 0) return '0s';
  const units = ['y', 'd', 'h', 'm', 's'].slice(first);
  return parts.slice(first).map((x, i) => `${x}${units[i]}`).join('');
}

function regexFilter(kind: 'match' | 'search'): Filter {
  return (v, a, kw) => {
    const re = pythonRegex(str(arg(`regex_${kind}`, a, kw, 0, 'pattern')), arg(`regex_${kind}`, a, kw, 1, 'ignorecase', false) === true, kind === 'match');
    return re.test(str(defined(v)));
  };
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function dirname(p: string): string {
  const head = p.slice(0, p.lastIndexOf('/') + 1);
  return head && !/^\/+$/.test(head) ? head.replace(/\/+$/, '') : head;
}


/** PyYAML's YAML 1.1 booleans: yes/no/on/off/true/false, but not the single letters y/n. */
const pyYamlBools = (tags: Tags): Tags => tags.map((t) => (typeof t === 'object' && t.tag === 'tag:yaml.org,2002:bool' && t.test
  ? { ...t, test: new RegExp(t.test.source.replace('Y|y|', '').replace('N|n|', '')) } : t));

export const st2Filters: ReadonlyMap<string, Filter> = new Map<string, Filter>([
  ['decrypt_kv', (v) => {
    if (!(v instanceof KvRef) || v.path.length < 2) {
      throw evalError('decrypt_kv: only a datastore value read as st2kv.system.KEY or st2kv.user.KEY can be decrypted');
    }
    return lookupKv(v, true);
  }],
  ['from_json_string', (v) => {
    try {
      return JSON.parse(str(defined(v))) as unknown;
    } catch (err) {
      throw evalError(`from_json_string: not valid JSON: ${(err as Error).message}`);
    }
  }],
  ['from_yaml_string', (v) => {
    try {
      return parseYaml(str(defined(v)), { version: '1.1', customTags: pyYamlBools }) as unknown;
    } catch (err) {
      throw evalError(`from_yaml_string: not valid YAML: ${(err as Error).message}`);
    }
  }],
  ['json_escape', (v) => pyJson(v, { indent: null, sortKeys: false, separators: [', ', ': '], ensureAscii: true }).replace(/^"+|"+$/g, '')],
  ['jsonpath_query', (v, a, kw) => {
    const matches = jsonpathQuery(defined(v), str(arg('jsonpath_query', a, kw, 0, 'query')));
    return matches.length ? matches : null;
  }],
  ['to_complex', (v) => pyJson(v, { indent: null, sortKeys: false, separators: [', ', ': '], ensureAscii: true })],
  ['to_json_string', (v, a, kw) => {
    const indent = arg('to_json_string', a, kw, 0, 'indent', null);
    const seps = arg('to_json_string', a, kw, 2, 'separators', [',', ': ']);
    const [item, key] = seps === null ? [', ', ': '] : iterate(seps).map((s) => str(s));
    return pyJson(v, { indent: indent === null ? null : toInt(indent), sortKeys: arg('to_json_string', a, kw, 1, 'sort_keys', false) === true,
      separators: [item ?? ',', key ?? ': '], ensureAscii: true });
  }],
  ['to_yaml_string', (v) => pyYamlDump(v)],
  ['regex_match', regexFilter('match')],
  ['regex_search', regexFilter('search')],
  ['regex_replace', (v, a, kw) => {
    const re = pythonRegex(str(arg('regex_replace', a, kw, 0, 'pattern')), arg('regex_replace', a, kw, 2, 'ignorecase', false) === true, false, true);
    return str(defined(v)).replace(re, pythonReplacement(str(arg('regex_replace', a, kw, 1, 'replacement'))));
  }],
  ['regex_substring', (v, a, kw) => {
    const re = pythonRegex(str(arg('regex_substring', a, kw, 0, 'pattern')), arg('regex_substring', a, kw, 2, 'ignorecase', false) === true, false, true);
    const index = toInt(arg('regex_substring', a, kw, 1, 'result_index', 0));
    const found = [...str(defined(v)).matchAll(re)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? m[1] ?? '' : tuple(m.slice(1).map((g) => g ?? ''))));
    const i = index < 0 ? found.length + index : index;
    if (i < 0 || i >= found.length) throw evalError('regex_substring: list index out of range (no such match)');
    return found[i];
  }],
  ['to_human_time_from_seconds', (v) => humanTime(defined(v))],
  ['version_compare', (v, a, kw) => semverCompare(v, arg('version_compare', a, kw, 0, 'pattern'))],
  ['version_more_than', (v, a, kw) => semverCompare(v, arg('version_more_than', a, kw, 0, 'pattern')) === 1],
  ['version_less_than', (v, a, kw) => semverCompare(v, arg('version_less_than', a, kw, 0, 'pattern')) === -1],
  ['version_equal', (v, a, kw) => semverCompare(v, arg('version_equal', a, kw, 0, 'pattern')) === 0],
  ['version_match', (v, a, kw) => semverMatch(v, arg('version_match', a, kw, 0, 'pattern'))],
  ['version_bump_major', bump('major')],
  ['version_bump_minor', bump('minor')],
  ['version_bump_patch', bump('patch')],
  ['version_strip_patch', (v) => { const s = parseSemver(v); return `${s.major}.${s.minor}`; }],
  ['use_none', (v) => (v === null ? NONE_MAGIC_VALUE : v)],
  ['basename', (v) => basename(str(defined(v)))],
  ['dirname', (v) => dirname(str(defined(v)))],
]);
