import { describe, expect, it } from 'vitest';
import { createLoginLimiter } from './rate-limit.js';

describe('login limiter', () => {
  it('locks a user after 5 failures in a minute, until the oldest ages out; success clears the user', () => {
    let t = 0;
    const limiter = createLoginLimiter(() => t);
    for (let i = 0; i < 4; i++) {
      limiter.recordFailure('ann', '10.0.0.1');
      t += 1000;
    }
    expect(limiter.retryAfterMs('ann', '10.0.0.1')).toBe(0);
    limiter.recordFailure('ann', '10.0.0.1');
    expect(limiter.retryAfterMs('ann', '10.0.0.9')).toBe(56_000);
    t = 60_001;
    expect(limiter.retryAfterMs('ann', '10.0.0.1')).toBe(0);
    limiter.recordFailure('ann', '10.0.0.1');
    limiter.recordSuccess('ann', '10.0.0.1');
    expect(limiter.retryAfterMs('ann', '10.0.0.2')).toBe(0);
  });

  it('locks an address guessing many users after 20 failures, without locking those users elsewhere', () => {
    const t = 0;
    const limiter = createLoginLimiter(() => t);
    for (let i = 0; i < 20; i++) limiter.recordFailure(`user${i}`, '10.6.6.6');
    expect(limiter.retryAfterMs('someone', '10.6.6.6')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('user1', '10.0.0.1')).toBe(0);
  });
});
