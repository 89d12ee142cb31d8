import { randomBytes } from 'node:crypto';

/** A 24-hex id shaped like StackStorm's (MongoDB ObjectId): 4 bytes of seconds, 8 random bytes. */
export function newId(nowMs: number = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, '0');
  return seconds + randomBytes(8).toString('hex');
}
