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

// Per address the budget is four times larger: several people may share one NAT address.
export function createLoginLimiter(now: () => number, max = 5, windowMs = 60_000, maxPerAddress = max * 4): LoginLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string) => {
    const cutoff = now() - windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(key, list);
    else failures.delete(key);
    return list;
  };
  const wait = (key: string, limit: number) => {
    const list = recent(key);
    return list.length >= limit ? list[list.length - limit]! + windowMs - now() : 0;
  };
  return {
    retryAfterMs: (username, address) => Math.max(wait(`u:${username}`, max), wait(`a:${address}`, maxPerAddress)),
    recordFailure(username, address) {
      if (failures.size > 100_000) failures.clear();
      for (const key of [`u:${username}`, `a:${address}`]) failures.set(key, [...recent(key), now()]);
    },
    recordSuccess(username) {
      failures.delete(`u:${username}`);
    },
  };
}
