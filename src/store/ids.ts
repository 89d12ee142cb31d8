import { randomFillSync } from 'node:crypto';

// Random bytes drawn 4 KiB at a time: one system call per 512 ids instead of one per id.
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** A 24-hex id shaped like StackStorm's (MongoDB ObjectId): 4 bytes of seconds, 8 random bytes. */
export function newId(nowMs: number = Date.now()): string {
  if (offset + 8 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, '0');
  const id = seconds + pool.toString('hex', offset, offset + 8);
  offset += 8;
  return id;
}
