// Renders the `{{ … }}` templates of a local-shell-cmd `cmd` with every value escaped for
// the exact place it lands in the command, so parameter values can never inject commands.
//
// st2 renders `cmd` with Jinja as plain text (core.echo is `echo "{{message}}"`), so a
// message of `"; rm -rf ~; echo "` runs rm there. Squall renders each expression on its
// own, then escapes the text for its quoting context: unquoted → one single-quoted word,
// inside "…" → \ " $ ` escaped, inside '…' → quotes closed and reopened, and so on.
import { referencedKeys, type KvReader } from '../datastore/template.js';
import { hasCode } from '../errors.js';
import { renderValue } from '../expr/index.js';
import { escapeFor, makeShellScanner } from './shell-quote.js';
import type { RunContext } from './types.js';

/** Renders one template string against data (the expression module's `renderValue`). */
export type RenderFn = (template: string, data: unknown) => unknown;

export type ShellCommandResult = { ok: true; command: string } | { ok: false; error: string };

/** Renders a runner's `cmd` for one execution: its parameters are the data. */
export type CmdRenderer = (cmd: string, ctx: RunContext) => Promise<ShellCommandResult>;

/** The renderer of the shell runners; with `kv`, st2kv reads the datastore as the user who started the execution. */
export function cmdRenderer(kv?: KvReader): CmdRenderer {
  return async (cmd, ctx) => {
    if (!kv || !cmd.includes('st2kv')) return renderShellCommand(cmd, ctx.parameters, (t, d) => renderValue(t, d));
    return kv(null, ctx.user, referencedKeys(cmd), (lookup) => renderShellCommand(cmd, ctx.parameters, (t, d) => renderValue(t, d, { kv: lookup })));
  };
}

const EXPRESSION = /\{\{([\s\S]*?)\}\}/g;

/**
 * Jinja-style text of one rendered expression. The expression is rendered inside a longer
 * string (then the sentinel removed) so the text is whatever the template engine prints
 * for that value, exactly as in any other rendered string.
 */
function renderText(expr: string, data: unknown, render: RenderFn): string {
  const out = render(`{{${expr}}}\u0001`, data);
  const text = typeof out === 'string' ? out : String(out);
  return text.endsWith('\u0001') ? text.slice(0, -1) : text;
}

/** Renders `cmd` against `data`; an expression placed where no escaping is safe is an error. */
export function renderShellCommand(cmd: string, data: unknown, render: RenderFn): ShellCommandResult {
  if (!cmd.includes('{')) return { ok: true, command: cmd };
  if (/\{%|\{#/.test(cmd)) {
    return {
      ok: false,
      error: 'cmd uses {% %} or {# #}: only {{ expression }} templates can be quoted safely; move the logic into the shell or a local-shell-script action',
    };
  }
  const scanner = makeShellScanner();
  const parts: string[] = [];
  let last = 0;
  for (const m of cmd.matchAll(EXPRESSION)) {
    const literal = cmd.slice(last, m.index);
    scanner.feed(literal);
    parts.push(literal);
    let text: string;
    try {
      text = renderText(m[1]!, data, render);
    } catch (err) {
      // The template engine names the text it rendered (here with the sentinel): name the expression instead.
      const reason = hasCode(err, 'EXPR_EVAL') && err.cause instanceof Error ? err.cause.message : (err as Error).message;
      return { ok: false, error: `cmd: cannot render {{${m[1]}}}: ${reason}` };
    }
    const escaped = escapeFor(scanner.context(), text);
    if (escaped === null) {
      return {
        ok: false,
        error: `cmd: the value of {{${m[1]}}} cannot be placed safely where it stands (inside a heredoc it must be one line; it must not follow a lone backslash; inside backticks use $(…) instead; after a case inside $(…) nothing can be placed)`,
      };
    }
    parts.push(escaped);
    scanner.inserted();
    last = m.index + m[0].length;
  }
  parts.push(cmd.slice(last));
  return { ok: true, command: parts.join('') };
}
