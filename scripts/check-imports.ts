// The import check of STYLE.md: the domain (events, rules, executions, workflow, expr)
// imports no HTTP framework, database driver, process or SSH library, and no edge module
// (api, cli, sensors, runners). Type-only imports of an edge's interfaces are allowed.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const DOMAIN = ['events', 'rules', 'executions', 'workflow', 'expr'];
const EDGE_DIRS = ['api', 'cli', 'sensors', 'runners'];
const FORBIDDEN_PACKAGES = ['fastify', 'pg', 'better-sqlite3', 'node:child_process', 'child_process', 'ssh2', 'mqtt', 'amqplib', 'nats', 'ioredis', 'node:http', 'node:https', 'node:net'];

export interface Violation {
  file: string;
  line: number;
  imported: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('test-helper') ? [p] : [];
  });
}

/** Every forbidden import in the domain folders under `srcDir`. */
export function findViolations(srcDir: string): Violation[] {
  const out: Violation[] = [];
  for (const area of DOMAIN) {
    for (const file of sourceFiles(join(srcDir, area))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((text, i) => {
        const m = /^\s*import\s+(type\s+)?.*?from\s+'([^']+)'/.exec(text) ?? /^\s*(?:export\s+.*from|import)\s+'([^']+)'/.exec(text);
        if (!m) return;
        const typeOnly = m[1] !== undefined && m[2] !== undefined;
        const spec = m[2] ?? m[1]!;
        const edge = spec.startsWith('.') && EDGE_DIRS.some((d) => new RegExp(`(^|/)\\.\\./(\\.\\./)*${d}/`).test(spec));
        const pkg = FORBIDDEN_PACKAGES.includes(spec);
        if (pkg || (edge && !typeOnly)) out.push({ file: relative(srcDir, file), line: i + 1, imported: spec });
      });
    }
  }
  return out;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const srcDir = join(process.argv[2] ?? process.cwd(), 'src');
  const violations = findViolations(srcDir);
  for (const v of violations) process.stderr.write(`src/${v.file}:${v.line}: the domain imports ${v.imported} (an edge); move the code to an edge instead\n`);
  process.exit(violations.length ? 1 : 0);
}
