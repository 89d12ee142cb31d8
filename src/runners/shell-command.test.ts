import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { renderJinja } from '../expr/index.js';
import { renderShellCommand } from './shell-command.js';

/** Jinja text over `data`, as parameter resolution hands the renderer. */
const over = (data: Record<string, unknown>) => (template: string) => String(renderJinja(template, data, {}, false));

const dir = mkdtempSync(path.join(tmpdir(), 'squall-quote-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const marker = path.join(dir, 'pwned');

function bash(command: string): string {
  const r = spawnSync('/bin/bash', ['-c', command], { encoding: 'utf8' });
  return r.stdout;
}

function rendered(cmd: string, v: string): string {
  const r = renderShellCommand(cmd, over({ v }));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function run(cmd: string, v: string): string {
  return bash(rendered(cmd, v));
}

/**
 * Runs many rendered commands in one bash (each in its own subshell, outputs separated by
 * NUL): a value that broke out of its command would shift or spill into the other outputs.
 */
function runBatch(cases: Array<{ cmd: string; v: string }>): string[] {
  const script = cases.map((c) => `(\n${rendered(c.cmd, c.v)}\n)\nprintf '\\0'`).join('\n');
  return bash(script).split('\0').slice(0, -1);
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
  { cmd: `printf '%s' "$( (printf '%s' x) ; printf '%s' {{ v }})"`, expect: (v) => `x${v}`.replace(/\n+$/, '') },
  { cmd: `case a in a) printf '%s' {{ v }};; esac`, expect: (v) => v },
];

describe('renderShellCommand', () => {
  it('leaves a command without templates alone', () => {
    expect(renderShellCommand('echo "$HOME" {x}', over({}))).toEqual({ ok: true, value: 'echo "$HOME" {x}' });
  });

  for (const place of places) {
    it(`never runs an injected value and prints it literally: ${JSON.stringify(place.cmd)}`, () => {
      expect(runBatch(attacks.map((v) => ({ cmd: place.cmd, v })))).toEqual(attacks.map(place.expect));
      expect(existsSync(marker)).toBe(false);
    });
  }

  it('holds for arbitrary strings in every place (property)', () => {
    const value = fc.string({ unit: fc.constantFrom('a', ' ', "'", '"', '\\', '$', '`', '(', ')', ';', '\n', '#', '!', '*', '{', '}', 'é', '\t'), maxLength: 12 });
    const cases = fc.array(fc.record({ v: value, place: fc.constantFrom(...places) }), { minLength: 30, maxLength: 30 });
    fc.assert(
      fc.property(cases, (batch) => {
        expect(runBatch(batch.map((c) => ({ cmd: c.place.cmd, v: c.v })))).toEqual(batch.map((c) => c.place.expect(c.v)));
      }),
      { numRuns: 5 },
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('escapes inside heredocs, and refuses a multi-line value there', () => {
    const heredoc = 'cat <<EOF\nvalue: {{ v }}\nEOF';
    expect(run(heredoc, '$(touch x) `id` \\')).toBe('value: $(touch x) `id` \\\n');
    expect(run("cat <<'END'\n{{ v }} $HOME\nEND", '$(x)')).toBe('$(x) $HOME\n');
    expect(run('cat <<-EOF\n\t{{ v }}\n\tEOF\nprintf after', 'a"b')).toBe('a"b\nafter');
    const refused = renderShellCommand(heredoc, over({ v: `x\nEOF\ntouch ${marker}` }));
    expect(refused.ok).toBe(false);
  });

  it('refuses a value inside backticks, right after a lone backslash, and {% %} blocks', () => {
    expect(renderShellCommand('echo "`echo \\"{{ v }}\\"`"', over({ v: '$(id)' })).ok).toBe(false);
    expect(renderShellCommand("echo `echo '{{ v }}'`", over({ v: 'a' })).ok).toBe(false);
    expect(renderShellCommand('echo "$(case a in a) echo {{ v }};; esac)"', over({ v: '; id' })).ok).toBe(false);
    expect(renderShellCommand('echo `date` {{ v }}', over({ v: 'a' }))).toEqual({ ok: true, value: "echo `date` 'a'" });
    expect(renderShellCommand('echo \\{{ v }}', over({ v: '"' })).ok).toBe(false);
    expect(renderShellCommand('echo \\\\{{ v }}', over({ v: 'a' }))).toEqual({ ok: true, value: "echo \\\\'a'" });
    expect(renderShellCommand('{% if v %}echo{% endif %}', over({ v: 'a' })).ok).toBe(false);
  });
});
