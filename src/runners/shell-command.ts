// Renders the `{{ … }}` templates of a local-shell-cmd `cmd` with every value escaped for
// the exact place it lands in the command, so parameter values can never inject commands.
//
// st2 renders `cmd` with Jinja as plain text (core.echo is `echo "{{message}}"`), so a
// message of `"; rm -rf ~; echo "` runs rm there. Squall renders each expression on its
// own, then escapes the text for its quoting context: unquoted → one single-quoted word,
// inside "…" → \ " $ ` escaped, inside '…' → quotes closed and reopened, and so on.
import { hasCode } from '../errors.js';
import { escapeFor, makeShellScanner } from './shell-quote.js';
import type { ParameterRenderer } from './types.js';

const EXPRESSION = /\{\{([\s\S]*?)\}\}/g;

/**
 * The shell runners' renderer of `cmd` (parameter resolution calls it with the execution's
 * data): an expression placed where no escaping is safe is an error.
 */
export const renderShellCommand: ParameterRenderer = (cmd, render) => {
  if (!cmd.includes('{')) return { ok: true, value: cmd };
  if (/\{%|\{#/.test(cmd)) {
    return {
      ok: false,
      error: 'uses {% %} or {# #}: only {{ expression }} templates can be quoted safely; move the logic into the shell or a local-shell-script action',
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
      text = render(`{{${m[1]}}}`);
    } catch (err) {
      // The template engine names the whole text it rendered: name the expression alone.
      const reason = hasCode(err, 'EXPR_EVAL') && err.cause instanceof Error ? err.cause.message : (err as Error).message;
      return { ok: false, error: `cannot render {{${m[1]}}}: ${reason}` };
    }
    const escaped = escapeFor(scanner.context(), text);
    if (escaped === null) {
      return {
        ok: false,
        error: `the value of {{${m[1]}}} cannot be placed safely where it stands (inside a heredoc it must be one line; it must not follow a lone backslash; inside backticks use $(…) instead; after a case inside $(…) nothing can be placed)`,
      };
    }
    parts.push(escaped);
    scanner.inserted();
    last = m.index + m[0].length;
  }
  parts.push(cmd.slice(last));
  return { ok: true, value: parts.join('') };
};
