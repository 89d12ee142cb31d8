import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseHosts, verifyHostKey } from './ssh.js';

describe('parseHosts', () => {
  it('reads st2 host lists: user@, :port, [ipv6]:port, bare IPv6, duplicates once', () => {
    expect(parseHosts(' web1 , ops@web2:2222,[::1]:22,fe80::1,web1')).toEqual([
      { key: 'web1', user: undefined, host: 'web1', port: undefined },
      { key: 'ops@web2:2222', user: 'ops', host: 'web2', port: 2222 },
      { key: '[::1]:22', user: undefined, host: '::1', port: 22 },
      { key: 'fe80::1', user: undefined, host: 'fe80::1', port: undefined },
    ]);
  });
});

describe('verifyHostKey', () => {
  const key = randomBytes(51);
  const other = randomBytes(51);
  const b64 = key.toString('base64');

  it('matches plain names, [host]:port for other ports, wildcards, and hashed names', () => {
    expect(verifyHostKey(`web1,web2 ssh-ed25519 ${b64}\n`, 'web2', 22, key)).toBe('ok');
    expect(verifyHostKey(`[web1]:2222 ssh-ed25519 ${b64}\n`, 'web1', 2222, key)).toBe('ok');
    expect(verifyHostKey(`web1 ssh-ed25519 ${b64}\n`, 'web1', 2222, key)).toBe('unknown');
    expect(verifyHostKey(`*.example.com ssh-ed25519 ${b64}\n`, 'db.example.com', 22, key)).toBe('ok');
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[10.0.0.5]:2200').digest('base64');
    expect(verifyHostKey(`|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${b64}\n`, '10.0.0.5', 2200, key)).toBe('ok');
  });

  it('reports a different key for a known host as a mismatch, and a revoked key too', () => {
    expect(verifyHostKey(`web1 ssh-ed25519 ${other.toString('base64')}\n`, 'web1', 22, key)).toBe('mismatch');
    expect(verifyHostKey(`@revoked * ssh-ed25519 ${b64}\nweb1 ssh-ed25519 ${b64}\n`, 'web1', 22, key)).toBe('mismatch');
    expect(verifyHostKey('# comment\n\n', 'web1', 22, key)).toBe('unknown');
  });
});
