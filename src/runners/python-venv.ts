// `squall pack install`: a pack's requirements.txt installed into its own virtualenv
// (<SQUALL_HOME>/virtualenvs/<pack>, as st2's /opt/stackstorm/virtualenvs/<pack>), which the
// python-script runner then uses for that pack's actions.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SquallError } from '../errors.js';
import { runProcess } from './process.js';
import { packVirtualenv } from './python.js';

export interface VirtualenvReport {
  pack: string;
  virtualenv: string;
  requirements: string[];
  /** pip's last lines, for the record. */
  log: string;
}

// pip's own words when a requirement cannot be had (no index reachable, or no such package).
const MISSING = /(?:No matching distribution found for|Could not find a version that satisfies the requirement) (\S+)/;

function requirementsOf(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
}

async function run(argv: string[], timeoutMs: number): Promise<{ ok: boolean; text: string }> {
  const p = await runProcess({ command: argv[0]!, args: argv.slice(1), timeoutMs, env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)) });
  return { ok: p.return_code === 0 && !p.timedOut, text: `${p.stdout}\n${p.stderr}`.trim() };
}

/** Creates (or updates) the pack's virtualenv and installs its requirements; throws PACK_REQUIREMENTS_UNAVAILABLE naming the one pip could not get. */
export async function installPackVirtualenv(virtualenvsDir: string, pack: string, packDir: string): Promise<VirtualenvReport> {
  const venv = packVirtualenv(virtualenvsDir, pack);
  const reqFile = path.join(packDir, 'requirements.txt');
  const requirements = requirementsOf(reqFile);
  const made = await run(['python3', '-m', 'venv', ...(requirements.length ? [] : ['--without-pip']), venv], 120_000);
  if (!made.ok) throw new SquallError('INTERNAL', `cannot create the virtualenv ${venv}: ${made.text.split('\n').slice(-3).join(' ')}`);
  if (requirements.length === 0) return { pack, virtualenv: venv, requirements, log: '' };
  // One try, short timeouts: with no index reachable this fails in seconds, not minutes.
  const pip = await run([path.join(venv, 'bin', 'pip'), 'install', '--disable-pip-version-check', '--no-input', '--timeout', '10', '--retries', '0', '-r', reqFile], 600_000);
  const tail = pip.text.split('\n').slice(-5).join('\n');
  if (!pip.ok) {
    const missing = MISSING.exec(pip.text)?.[1];
    throw new SquallError('PACK_REQUIREMENTS_UNAVAILABLE', missing
      ? `pack ${pack}: requirement ${missing} (from ${reqFile}) could not be installed: no package index reachable has it`
      : `pack ${pack}: pip could not install ${reqFile}: ${tail}`, { file: reqFile, field: missing });
  }
  return { pack, virtualenv: venv, requirements, log: tail };
}
