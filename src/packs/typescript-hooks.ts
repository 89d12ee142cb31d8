// Node module hooks that let a process import pack TypeScript (see typescript.ts): `resolve`
// maps a TypeScript module's relative imports to the .ts files they mean, `load` transpiles
// each .ts/.mts file as it is imported. `enableTypeScript()` registers them: the node runner's
// workers and sensor processes call it once, before they import their first .ts entry point.
import { readFile } from 'node:fs/promises';
import { register, type LoadHook, type ResolveHook } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isTypeScriptModule, resolveTypeScriptImport, transpileTypeScript } from './typescript.js';

const isTypeScriptUrl = (url: string | undefined): url is string => url !== undefined && url.startsWith('file:') && isTypeScriptModule(fileURLToPath(url));

export const resolve: ResolveHook = (specifier, context, next) => {
  if (specifier.startsWith('.') && isTypeScriptUrl(context.parentURL)) {
    const file = resolveTypeScriptImport(specifier, fileURLToPath(context.parentURL));
    if (file) return { url: pathToFileURL(file).href, shortCircuit: true };
  }
  return next(specifier, context);
};

export const load: LoadHook = async (url, context, next) => {
  if (!isTypeScriptUrl(url)) return next(url, context);
  const file = fileURLToPath(url);
  const out = await transpileTypeScript(file, await readFile(file, 'utf8'));
  if ('problems' in out) throw new SyntaxError(out.problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
  return { format: 'module', source: out.code, shortCircuit: true };
};

/** Registers these hooks in this process (call once) and maps stack traces back to the .ts lines. */
export function enableTypeScript(): void {
  register(import.meta.url);
  process.setSourceMapsEnabled(true);
}
