// `npm run bench [-- name...]`: runs the benchmarks (all, or those whose name contains an argument).
import { codeRunnerBenchmarks } from './code-runners.js';
import { runBenchmarks } from './harness.js';
import { eventBenchmarks } from './events.js';
import { platformBenchmarks } from './platform.js';
import { remoteBenchmarks } from './remote.js';
import { workflowBenchmarks } from './workflows.js';

await runBenchmarks([...platformBenchmarks, ...workflowBenchmarks, ...eventBenchmarks, ...codeRunnerBenchmarks, ...remoteBenchmarks], process.argv.slice(2));
