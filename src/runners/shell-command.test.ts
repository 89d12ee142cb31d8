import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { renderValue } from '../expr/index.js';
import { renderShellCommand, type RenderFn } from './shell-command.js';

const render: RenderFn = (template, data) => renderValue(template, data);

const dir = mkdtempSync(path.join(tmpdir(), 'squall-quote-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const marker = path.join(dir, 'pwned');

function bash(command: string): string {
  const r = spawnSync('/bin/bash', ['-c', command], { encoding: 'utf8' });
  return r.stdout;
}

function run(cmd: string, v: string): string {
  const rendered = renderShellCommand(cmd, { v }, render);
  if (!rendered.ok) throw new Error(rendered.error);
  return bash(rendered.command);
}

const attacks = [
  `"; touch ${marker}; echo "`,
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `'; touch ${marker}; echo '`,
  `\\"; touch ${marker}; echo \\"`,
  `x\ntouch ${marker}\n`,
  `EOF\ntouch ${marker}\nEOF`,
  `\${IFS}$(touch${'${IFS}'}${marker})`,
  `')\ntouch ${marker} #`,
];

// A value shows up literally in each of these places.
const places: Array<{ cmd: string; expect: (v: string) => string }> = [
  { cmd: `printf '%s' {{ v }}`, expect: (v) => v },
  { cmd: `printf '%s' "{{ v }}"`, expect: (v) => v },
  { cmd: `printf '%s' "pre {{v}} post"`, expect: (v) => `pre ${v} post` },
  { cmd: `printf '%s' 'pre {{v}} post'`, expect: (v) => `pre ${v} post` },
  { cmd: `printf '%s' $'a\\t{{v}}'`, expect: (v) => `a\t${v}` },
  { cmd: `printf '%s' "$(printf '%s' {{ v }})"`, expect: (v) => v.replace(/\n+$/, '') },
  { cmd: `printf '%s' "$(printf '%s' "{{ v }}")"`, expect: (v) => v.replace(/\n+$/, '') },
  { cmd: `true # {{ v }}\nprintf done`, expect: () => 'done' },
  { cmd: `X={{v}}; printf '%s' "$X"`, expect: (v) => v },
];

describe('renderShellCommand', () => {
  it('leaves a command without templates alone', () => {
    expect(renderShellCommand('echo "$HOME" {x}', {}, render)).toEqual({ ok: true, command: 'echo "$HOME" {x}' });
  });

  for (const place of places) {
    it(`never runs an injected value and prints it literally: ${JSON.stringify(place.cmd)}`, () => {
      for (const v of attacks) {
        expect(run(place.cmd, v)).toBe(place.expect(v));
        expect(existsSync(marker)).toBe(false);
      }
    });
  }

  it('holds for arbitrary strings in every place (property)', () => {
    const value = fc.string({ unit: fc.constantFrom('a', ' ', "'", '"', '\\', '$', '`', '(', ')', ';', '\n', '#', '!', '*', '{', '}', 'é', '\t'), maxLength: 12 });
    fc.assert(
      fc.property(value, fc.constantFrom(...places), (v, place) => {
        expect(run(place.cmd, v)).toBe(place.expect(v));
      }),
      { numRuns: 150 },
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('escapes inside heredocs, and refuses a multi-line value there', () => {
    const heredoc = 'cat <<EOF\nvalue: {{ v }}\nEOF';
    expect(run(heredoc, '$(touch x) `id` \\')).toBe('value: $(touch x) `id` \\\n');
    expect(run("cat <<'END'\n{{ v }} $HOME\nEND", '$(x)')).toBe('$(x) $HOME\n');
    expect(run('cat <<-EOF\n\t{{ v }}\n\tEOF\nprintf after', 'a"b')).toBe('a"b\nafter');
    const refused = renderShellCommand(heredoc, { v: `x\nEOF\ntouch ${marker}` }, render);
    expect(refused.ok).toBe(false);
  });

  it('refuses a value inside backticks, right after a lone backslash, and {% %} blocks', () => {
    expect(renderShellCommand('echo "`echo \\"{{ v }}\\"`"', { v: '$(id)' }, render).ok).toBe(false);
    expect(renderShellCommand("echo `echo '{{ v }}'`", { v: 'a' }, render).ok).toBe(false);
    expect(renderShellCommand('echo `date` {{ v }}', { v: 'a' }, render)).toEqual({ ok: true, command: "echo `date` 'a'" });
    expect(renderShellCommand('echo \\{{ v }}', { v: '"' }, render).ok).toBe(false);
    expect(renderShellCommand('echo \\\\{{ v }}', { v: 'a' }, render)).toEqual({ ok: true, command: "echo \\\\'a'" });
    expect(renderShellCommand('{% if v %}echo{% endif %}', { v: 'a' }, render).ok).toBe(false);
  });
});
