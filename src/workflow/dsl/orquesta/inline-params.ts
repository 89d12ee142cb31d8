// Orquesta's inline parameter syntax: `core.echo message="hi" count=3` and
// `publish: a=<% result().x %> b=1`. The value forms and their order follow orquesta's
// utils/parameters.py: [..], "..", '..', float, integer, true, false, null, then an
// expression (<% %>, {{ }}, {% %}); anything else is not a parameter at all.

const VALUE_FORMS = [
  String.raw`\[.*\]\s*`,
  String.raw`"[^"]*"\s*`,
  String.raw`'[^']*'\s*`,
  String.raw`-?\d*\.\d+`,
  String.raw`-?\d+`,
  '[Tt][Rr][Uu][Ee]',
  '[Ff][Aa][Ll][Ss][Ee]',
  'null',
  '<%.*?%>',
  '\\{\\{.*?\\}\\}',
  '\\{%.*?%\\}',
];

const INLINE_PARAM = new RegExp(String.raw`(\w+)=(${VALUE_FORMS.join('|')})`, 'g');

function decode(raw: string): unknown {
  let v = raw.trim();
  const quoted = /"[^"]*"|'[^']*'/.test(v);
  v = v.replace(/^"/, '').replace(/"$/, '').replace(/^'/, '').replace(/'$/, '');
  // A quoted value stays a string, unless it is a JSON object in quotes.
  const isJsonObject = v.startsWith('{') && v.endsWith('}');
  if (v === '' || (quoted && !isJsonObject)) return v;
  const lower = v.toLowerCase();
  try {
    return JSON.parse(lower === 'true' || lower === 'false' ? lower : v);
  } catch {
    return v;
  }
}

/** The `key=value` pairs of `s`, in order. */
export function parseInlineParams(s: string): Array<[string, unknown]> {
  return [...s.matchAll(INLINE_PARAM)].map((m) => [m[1], decode(m[2])]);
}

/** Splits `core.echo message="hi"` into the action ref and its inline input (null when none). */
export function splitInlineAction(s: string): { action: string; input: Record<string, unknown> | null } {
  const params = parseInlineParams(s);
  const space = s.indexOf(' ');
  if (params.length === 0 || space < 0) return { action: s.trim(), input: null };
  return { action: s.slice(0, space), input: Object.fromEntries(params) };
}
