// TypeScript in packs: a node action's or a sensor's entry point may be a `.ts` (or `.mts`)
// module, importing sibling `.ts` modules. Node 20 runs no TypeScript, so the processes that
// import pack code (the node runner's workers, sensor processes) register the module hooks
// of typescript-hooks.ts, which transpile each TypeScript file as it is imported (types
// stripped, no type check: TypeScript's transpileModule, like tsx or ts-node's
// transpile-only mode). Files stay where they are, so import.meta.url, relative imports of
// .json/.mjs files and stack traces (inline source maps) point into the pack. Pack
// registration transpiles the entry point and the TypeScript modules it imports first, and
// refuses the pack with file:line:column for each syntax error.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../paths.js';
import type { Problem } from './problems.js';

/** True for a TypeScript module Squall transpiles (not a .d.ts declaration file). */
export function isTypeScriptModule(file: string): boolean {
  return /\.m?ts$/.test(file) && !/\.d\.m?ts$/.test(file);
}

/**
 * The module hooks' URL, for `module.register()` in the processes that import pack code. It
 * is the compiled file in dist/ (from the source tree too: the build is always there, as
 * `npm install` runs it).
 */
export function typeScriptHooksUrl(): string {
  return pathToFileURL(join(packageRoot(), 'dist', 'src', 'packs', 'typescript-hooks.js')).href;
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/**
 * The file a relative import in a TypeScript module names, as TypeScript resolves it: the
 * path as written; else `.js` → `.ts` and `.mjs` → `.mts` (NodeNext style); else with `.ts`
 * or `/index.ts` added (bundler style). Null when none exists.
 */
export function resolveTypeScriptImport(specifier: string, parentFile: string): string | null {
  const base = resolve(dirname(parentFile), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find(isFile) ?? null;
}

export type Transpiled = { code: string } | { problems: Array<Required<Pick<Problem, 'line' | 'column' | 'message'>>> };

/** One module as ESM JavaScript with an inline source map, or its syntax errors (1-based line and column). */
export async function transpileTypeScript(file: string, source: string): Promise<Transpiled> {
  // Loaded on first use: typescript costs ~0.4 s to load, which a pack without .ts never pays.
  const { default: ts } = await import('typescript');
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      inlineSourceMap: true,
      inlineSources: true,
      esModuleInterop: true,
    },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length === 0) return { code: out.outputText };
  return {
    problems: errors.map((d) => {
      const before = source.slice(0, d.start ?? 0).split('\n');
      return { line: before.length, column: before.at(-1)!.length + 1, message: ts.flattenDiagnosticMessageText(d.messageText, ' ') };
    }),
  };
}

/**
 * Transpiles `entry` and every TypeScript module it imports (relative imports, followed
 * through the pack), reporting each syntax error with its pack-relative file.
 */
export async function checkTypeScriptModules(entry: string, packDir: string): Promise<Problem[]> {
  const { default: ts } = await import('typescript');
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    const out = await transpileTypeScript(file, source);
    if ('problems' in out) problems.push(...out.problems.map((p) => ({ file: relative(packDir, file), ...p })));
    for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveTypeScriptImport(fileName, file);
      if (target && isTypeScriptModule(target) && !relative(packDir, target).startsWith('..')) queue.push(target);
    }
  }
  return problems;
}
