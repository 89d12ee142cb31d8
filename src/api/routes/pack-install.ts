// POST /api/v1/packs/:name/install: the pack's Python requirements into its virtualenv.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SquallError } from '../../errors.js';
import { packDirectory, type PackDeps } from '../../packs/index.js';
import { installPackVirtualenv } from '../../runners/python-venv.js';

const NameParams = Type.Object({ name: Type.String({ pattern: '^[\\w-]+$' }) });

export async function packInstallRoutes(app: FastifyInstance, packs: Pick<PackDeps, 'store'>, virtualenvsDir: string): Promise<void> {
  app.post('/api/v1/packs/:name/install', { schema: { params: NameParams } }, async (req) => {
    const { name } = req.params as Static<typeof NameParams>;
    const dir = await packs.store.read((tx) => packDirectory(tx, name));
    if (!dir) throw new SquallError('PACK_NOT_FOUND', `no registered pack ${name} with a directory`);
    return installPackVirtualenv(virtualenvsDir, name, dir);
  });
}
