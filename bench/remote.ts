// The remote figure: `core.remote cmd=true` on 20 hosts in parallel, POSTed to a real
// server and observed succeeded on SSE. The hosts are a real sshd answering on 127.0.0.1 …
// 127.0.0.20 (20 distinct hosts, 20 SSH connections and sessions).
import { runLoad } from './api-load.js';
import { median, type Benchmark } from './harness.js';
import { spawnServer } from './server-process.js';
import { startSshd } from './sshd.js';

const HOSTS = 20;
const ROUNDS = Number(process.env.SQUALL_BENCH_REMOTE_ROUNDS ?? 9);

export const remoteBenchmarks: Benchmark[] = [{
  name: 'remote',
  repeat: 1,
  async run() {
    const sshd = await startSshd(HOSTS);
    const s = await spawnServer();
    try {
      const body = {
        action: 'core.remote',
        parameters: {
          hosts: sshd.hosts.join(','), cmd: 'true', username: sshd.user, private_key: sshd.userKey, port: sshd.port,
          known_hosts_file: sshd.knownHostsFile, parallel: true,
        },
      };
      await runLoad(s.url, s.apiKey, body, 1, 1); // warm-up: the server's first SSH connections
      const seconds: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = await runLoad(s.url, s.apiKey, body, 1, 1);
        if (r.failed) throw new Error(`core.remote on ${HOSTS} hosts did not succeed (round ${i + 1})`);
        seconds.push(r.seconds);
      }
      return [
        { name: `core.remote cmd=true on ${HOSTS} hosts, parallel: POST → succeeded (median of ${ROUNDS})`, unit: 's', value: median(seconds), target: '< 1.5' },
        { name: `the same, slowest of ${ROUNDS}`, unit: 's', value: Math.max(...seconds) },
      ];
    } finally {
      await s.stop();
      await sshd.stop();
    }
  },
}];
