// `npm run bench [-- name...]`: runs the benchmarks (all, or those whose name contains an argument).
import { accessBenchmarks } from './access.js';
import { codeRunnerBenchmarks } from './code-runners.js';
import { expressionBenchmarks } from './expressions.js';
import { runBenchmarks } from './harness.js';
import { eventBenchmarks } from './events.js';
import { platformBenchmarks } from './platform.js';
import { remoteBenchmarks } from './remote.js';
import { workflowBenchmarks } from './workflows.js';

await runBenchmarks([...platformBenchmarks, ...expressionBenchmarks, ...workflowBenchmarks, ...eventBenchmarks, ...codeRunnerBenchmarks, ...remoteBenchmarks, ...accessBenchmarks], process.argv.slice(2));
