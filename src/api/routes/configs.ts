// /api/v1/configs/:pack: a pack's configuration (st2's /api/v1/configs). Secret settings are
// ******** unless ?show_secrets=true, which resolves st2kv references and needs key:decrypt.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthServices } from '../../auth/index.js';
import type { DatastoreDeps } from '../../datastore/index.js';
import { SquallError } from '../../errors.js';
import { getPackConfig, maskedValues, resolvePackConfig } from '../../packs/config.js';

const Params = Type.Object({ pack: Type.String({ pattern: '^[a-z0-9_]+$' }) });
const Query = Type.Object({ show_secrets: Type.Boolean({ default: false }) });

export function configRoutes(app: FastifyInstance, auth: AuthServices, datastore: DatastoreDeps): void {
  app.get('/api/v1/configs/:pack', {
    schema: { params: Params, querystring: Query },
    config: { permission: 'pack:view', resource: (req) => { const p = (req.params as { pack: string }).pack; return { type: 'pack', ref: p, pack: p }; } },
  }, async (req) => {
    const { pack } = req.params as Static<typeof Params>;
    const config = await auth.store.read((tx) => getPackConfig(tx, pack));
    if (!config) throw new SquallError('NOT_FOUND', `pack ${pack} has no configuration (no config.schema.yaml, or not registered)`);
    if (!(req.query as Static<typeof Query>).show_secrets) return { pack, values: maskedValues(config) };
    await auth.authorizer.assert(req.principal!, 'key:decrypt', { type: 'key', ref: `pack-config:${pack}` });
    return { pack, values: await resolvePackConfig(datastore, pack) };
  });
}
