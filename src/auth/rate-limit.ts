// Failed logins per user and per client address, in a sliding window: after `max` failures
// within `windowMs` further attempts are refused until the oldest failure ages out, whether
// or not the password is right (so guessing cannot continue at full speed). Per node: a
// cluster multiplies the budget by its API nodes, which still keeps guessing slow.
export interface LoginLimiter {
  /** Throws-free check: milliseconds until an attempt is allowed again, or 0. */
  retryAfterMs(username: string, address: string): number;
  recordFailure(username: string, address: string): void;
  recordSuccess(username: string, address: string): void;
}

export function createLoginLimiter(now: () => number, max = 5, windowMs = 60_000): LoginLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string) => {
    const cutoff = now() - windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(key, list);
    else failures.delete(key);
    return list;
  };
  const wait = (key: string) => {
    const list = recent(key);
    return list.length >= max ? list[list.length - max]! + windowMs - now() : 0;
  };
  return {
    retryAfterMs: (username, address) => Math.max(wait(`u:${username}`), wait(`a:${address}`)),
    recordFailure(username, address) {
      if (failures.size > 100_000) failures.clear();
      for (const key of [`u:${username}`, `a:${address}`]) failures.set(key, [...recent(key), now()]);
    },
    recordSuccess(username) {
      failures.delete(`u:${username}`);
    },
  };
}
