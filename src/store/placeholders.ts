// SQLite binds named parameters; our SQL is written with PostgreSQL's $1, $2 … once, for both.
const cache = new Map<string, string>();

export function toSqliteSql(sql: string): string {
  let out = cache.get(sql);
  if (out === undefined) {
    out = sql.replace(/\$(\d+)/g, '$$p$1');
    cache.set(sql, out);
  }
  return out;
}

// The names p1, p2 …, made once (every statement of every transaction binds through here).
const names: string[] = [];
const nameOf = (i: number): string => names[i] ?? (names[i] = `p${i + 1}`);

export function toSqliteParams(params: readonly unknown[]): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    named[nameOf(i)] = v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  return named;
}
