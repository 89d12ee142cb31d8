import { randomBytes } from 'node:crypto';

// Shaped like a MongoDB ObjectId, as StackStorm's ids are: 4 bytes of seconds, 5 bytes drawn
// once per process, a 3-byte counter. One process's ids only grow, so every index keyed by
// an id (each table's primary key, an enforcement's execution id, a job's ref) takes them at
// its right edge: a commit rewrites a few pages per index instead of one page per row
// (fully random ids spread each second's rows over the whole second's leaf pages;
// measured on the webhook benchmark: ~180 WAL pages per commit). Ids are names, never
// secrets: API keys and tokens are random bytes of their own.
const processPart = randomBytes(5).toString('hex');
// Started in the lower half: a process wraps it only after 8 M ids (and then just once
// breaks the order, never uniqueness within a second).
let counter = randomBytes(3).readUIntBE(0, 3) >> 1;

/** A 24-hex id: seconds, this process's part, a counter (unique up to 16 M ids a second a process). */
export function newId(nowMs: number = Date.now()): string {
  counter = (counter + 1) & 0xffffff;
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, '0');
  return seconds + processPart + counter.toString(16).padStart(6, '0');
}
