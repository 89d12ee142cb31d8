// `npm run bench [-- name...]`: runs the benchmarks (all, or those whose name contains an argument).
import { runBenchmarks } from './harness.js';
import { platformBenchmarks } from './platform.js';

await runBenchmarks([...platformBenchmarks], process.argv.slice(2));
