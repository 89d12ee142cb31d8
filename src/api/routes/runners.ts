// /api/v1/runners: the runner types this node has, with their st2 runner_parameters.
import type { FastifyInstance } from 'fastify';
import type { Runner } from '../../runners/types.js';

export function runnerRoutes(app: FastifyInstance, runners: ReadonlyMap<string, Runner>): void {
  app.get('/api/v1/runners', async () =>
    [...runners.values()].map((r) => ({ name: r.name, description: r.description, runner_parameters: r.parameters })));
}
