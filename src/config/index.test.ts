import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import { loadConfig } from './index.js';

const home = mkdtempSync(join(tmpdir(), 'squall-config-'));
const env = { SQUALL_HOME: home };
afterAll(() => rmSync(home, { recursive: true, force: true }));

const refusal = (flags: Parameters<typeof loadConfig>[0]): string => {
  try {
    loadConfig(flags, env);
  } catch (err) {
    if (hasCode(err, 'CONFIG_INVALID')) return err.message;
    throw err;
  }
  throw new Error('the configuration was accepted');
};

it('takes runner as the name st2 gives the scheduler role: the same role, listed once', () => {
  expect(loadConfig({ roles: ['api', 'runner'] }, env).roles).toEqual(['api', 'scheduler']);
  expect(loadConfig({ roles: ['runner', 'scheduler'] }, env).roles).toEqual(['scheduler']);
  expect(loadConfig({}, { ...env, SQUALL_ROLES: 'runner,rules' }).roles).toEqual(['scheduler', 'rules']);
});

it('refuses an unknown role or level with the valid ones and the value given', () => {
  expect(refusal({ roles: ['api', 'runners'] })).toBe(
    'configuration roles.1: must be one of api, scheduler (or runner), workflow, rules, sensors, timers (got "runners")');
  expect(refusal({ logLevel: 'loud' })).toBe('configuration logLevel: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")');
});

it('reads the body limit from config.yaml, SQUALL_BODY_LIMIT_MB and the flag, in that order', () => {
  writeFileSync(join(home, 'config.yaml'), 'bodyLimitMb: 2\n');
  expect(loadConfig({}, env).bodyLimitMb).toBe(2);
  expect(loadConfig({}, { ...env, SQUALL_BODY_LIMIT_MB: '3' }).bodyLimitMb).toBe(3);
  expect(loadConfig({ bodyLimitMb: 4 }, { ...env, SQUALL_BODY_LIMIT_MB: '3' }).bodyLimitMb).toBe(4);
  expect(refusal({ bodyLimitMb: 0 })).toBe('configuration bodyLimitMb: must be > 0');
  rmSync(join(home, 'config.yaml'));
});
