// Test users on a real server: a user, a role holding exactly the grants given (no role when
// none), and an API key; `call` acts as that user through the real HTTP listener.
import type { TestServer } from './server.js';

export interface TestUser {
  name: string;
  key: string;
  call: TestServer['call'];
}

export interface TestGrant {
  resource_uid?: string;
  permission_types: string[];
}

export async function createTestUser(s: TestServer, name: string, grants: TestGrant[] = []): Promise<TestUser> {
  const ok = (r: { status: number; body: unknown }, what: string) => {
    if (r.status >= 300) throw new Error(`${what} for test user ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  ok(await s.call('POST', '/users', { username: name, password: 'password-123' }), 'creating the user');
  if (grants.length) {
    ok(await s.call('PUT', `/rbac/roles/${name}_role`, { permission_grants: grants }), 'creating the role');
    ok(await s.call('POST', '/rbac/assignments', { user: name, role: `${name}_role` }), 'assigning the role');
  }
  const made = await s.call('POST', '/apikeys', { user: name });
  ok(made, 'creating the API key');
  const key = made.body.key as string;
  return { name, key, call: (method, path, body, headers = {}) => s.call(method, path, body, { 'St2-Api-Key': key, ...headers }) };
}
