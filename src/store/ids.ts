import { randomFillSync } from 'node:crypto';

// Random bytes drawn 8 KB at a time: one crypto call per 1,024 ids instead of one per id
// (ids are made for every row of every event).
const pool = Buffer.alloc(8192);
let used = pool.length;

/** A 24-hex id shaped like StackStorm's (MongoDB ObjectId): 4 bytes of seconds, 8 random bytes. */
export function newId(nowMs: number = Date.now()): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, '0');
  used += 8;
  return seconds + pool.toString('hex', used - 8, used);
}
