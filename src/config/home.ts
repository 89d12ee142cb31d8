import { resolve } from 'node:path';

/** The data directory: $SQUALL_HOME or ./.squall (kept apart so the CLI loads no validator). */
export function squallHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SQUALL_HOME || '.squall');
}
