// RBAC definitions from $SQUALL_HOME/rbac at start: applied whole, or (one bad file) not at all.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { AUTH_CHANNEL, createAuthServices } from '../src/auth/index.js';
import type { Store } from '../src/store/types.js';
import { until } from './helpers/server.js';
import { listAssignments, listRoles } from '../src/auth/rbac.js';
import { readRbacFiles } from '../src/auth/rbac-files.js';
import { describeBackends } from './helpers/backends.js';

const homes: string[] = [];
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

// The services LISTEN on PostgreSQL in the background; closing the store while a LISTEN is
// still on its way rejects it unhandled, so wait until a wake-up on the last channel arrives.
async function listening(store: Store): Promise<void> {
  let heard = false;
  const off = store.listen(AUTH_CHANNEL, () => void (heard = true));
  await until(async () => {
    await store.tx(async (tx) => tx.notify(AUTH_CHANNEL, ''));
    return heard;
  }, 10_000, 'LISTEN on the auth channel');
  off();
}

function home(files: Record<string, string>): string {
  const h = mkdtempSync(join(tmpdir(), 'squall-rbac-'));
  homes.push(h);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(h, 'rbac', rel.split('/')[0]!), { recursive: true });
    writeFileSync(join(h, 'rbac', rel), text);
  }
  return h;
}

const good = {
  'roles/deployers.yaml': 'name: deployers\ndescription: deploy things\npermission_grants:\n  - resource_uid: pack:deploy\n    permission_types: [action_execute]\n',
  'assignments/dana.yaml': 'username: dana\nroles: [deployers, observer]\n',
};

describeBackends('RBAC files at start', ({ open }) => {
  it('loads roles and assignments; a bad file at start is logged and changes nothing', async () => {
    const store = await open();
    const h = home(good);
    const errors: string[] = [];
    const log = { error: (_o: unknown, msg: string) => void errors.push(msg) };
    const auth = await createAuthServices(store, h, Date.now, log as never);
    expect((await listRoles(store)).map((r) => r.name)).toEqual(['admin', 'deployers', 'observer', 'operator']);
    expect(await auth.authorizer.authorize({ username: 'dana', via: 'token' }, 'action:execute', { type: 'action', ref: 'deploy.run', pack: 'deploy' })).toBe(true);
    expect(await auth.authorizer.authorize({ username: 'dana', via: 'token' }, 'action:execute', { type: 'action', ref: 'core.local', pack: 'core' })).toBe(false);
    auth.authorizer.close();

    // The next start finds a broken file: the previous definitions stay, the error is logged.
    writeFileSync(join(h, 'rbac', 'assignments', 'dana.yaml'), 'username: dana\nroles: [deployers, ghosts]\n');
    const again = await createAuthServices(store, h, Date.now, log as never);
    expect(errors.join('\n')).toMatch(/dana\.yaml: role ghosts does not exist/);
    expect((await listAssignments(store, 'dana')).map((a) => a.role).sort()).toEqual(['deployers', 'observer']);
    again.authorizer.close();
    await listening(store);
  });
});

it('names the file and the problem for each kind of mistake', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ 'roles/a.yaml': 'name: a\npermission_grants:\n  - permission_types: [action_fly]\n' }, /a\.yaml: unknown permission type "action_fly"/],
    [{ 'roles/a.yaml': 'name: a\npermission_grants:\n  - resource_uid: planet:mars\n    permission_types: [action_view]\n' }, /a\.yaml: resource_uid "planet:mars"/],
    [{ 'roles/a.yaml': 'name: admin\n' }, /a\.yaml: admin is a system role/],
    [{ 'roles/a.yaml': 'name: [unclosed\n' }, /a\.yaml:\d+:/],
    [{ 'roles/a.yaml': '- just\n- a list\n' }, /a\.yaml: expected a mapping/],
    [{ 'assignments/b.yaml': 'roles: [observer]\n' }, /b\.yaml: username: required/],
    [{ 'assignments/b.yaml': 'username: bob\nroles: observer\n' }, /b\.yaml: roles: required, a list/],
  ];
  for (const [files, message] of cases) {
    expect(() => readRbacFiles(home(files), new Set(['admin', 'operator', 'observer']))).toThrow(message);
  }
});
