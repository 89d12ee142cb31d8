#!/usr/bin/env node
// core.uuid: prints one UUID of the type given as the first argument (uuid1 or uuid4),
// as st2's generate_uuid.py returns it. Node is always there: Squall runs on it.
import { randomBytes, randomUUID } from 'node:crypto';

// RFC 4122 version 1: 60-bit count of 100 ns intervals since 1582-10-15, a random clock
// sequence, and a random node id with the multicast bit set (RFC 4122 section 4.5).
function uuid1() {
  const intervals = BigInt(Date.now()) * 10000n + 0x01b21dd213814000n + BigInt(randomBytes(2).readUInt16BE() % 10000);
  const timeLow = intervals & 0xffffffffn;
  const timeMid = (intervals >> 32n) & 0xffffn;
  const timeHi = ((intervals >> 48n) & 0x0fffn) | 0x1000n;
  const clockSeq = (randomBytes(2).readUInt16BE() & 0x3fff) | 0x8000;
  const node = randomBytes(6);
  node[0] |= 0x01;
  const hex = (n, width) => n.toString(16).padStart(width, '0');
  return `${hex(timeLow, 8)}-${hex(timeMid, 4)}-${hex(timeHi, 4)}-${hex(clockSeq, 4)}-${node.toString('hex')}`;
}

const type = process.argv[2] || 'uuid4';
if (type === 'uuid1') console.log(uuid1());
else if (type === 'uuid4') console.log(randomUUID());
else {
  console.error('Unknown uuid_type. Only uuid1 and uuid4 are supported');
  process.exit(1);
}
