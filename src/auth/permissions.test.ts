import { describe, expect, it } from 'vitest';
import { SYSTEM_ROLES, allows, compileGrants, listScope, parsePermission, permissionCovers, uidCovers, type Role } from './permissions.js';

const role = (name: string) => SYSTEM_ROLES.find((r) => r.name === name)!;
const custom = (grants: Role['grants']): Role => ({ name: 'custom', description: '', grants, source: 'api' });

describe('permissions', () => {
  it("parses both spellings and rejects unknown ones", () => {
    expect(parsePermission('action_execute')).toBe('action:execute');
    expect(parsePermission('key_value_pair_view')).toBe('key:view');
    expect(parsePermission('execution:all')).toBe('execution:all');
    expect(parsePermission('api_key_list')).toBe('api_key:list');
    expect(parsePermission('webhook_send')).toBe('webhook:execute');
    expect(() => parsePermission('action_fly')).toThrow(/unknown permission type/);
    expect(() => parsePermission('spaceship:view')).toThrow(/unknown permission type/);
  });

  it('matches resource uids: pack covers its actions and their executions; * is a prefix', () => {
    expect(uidCovers('pack:deploy', { type: 'action', ref: 'deploy.run', pack: 'deploy' })).toBe(true);
    expect(uidCovers('pack:deploy', { type: 'execution', ref: 'x', action: 'deploy.run', pack: 'deploy' })).toBe(true);
    expect(uidCovers('action:deploy.run', { type: 'execution', ref: 'x', action: 'deploy.run', pack: 'deploy' })).toBe(true);
    expect(uidCovers('action:deploy.run', { type: 'action', ref: 'deploy.stop', pack: 'deploy' })).toBe(false);
    expect(uidCovers('key:system.app.*', { type: 'key', ref: 'system.app.token' })).toBe(true);
    expect(uidCovers('key:system.app.*', { type: 'key', ref: 'system.other' })).toBe(false);
    expect(permissionCovers('action:all', 'action:execute')).toBe(true);
    expect(permissionCovers('key:all', 'key:decrypt')).toBe(false);
  });

  it('system roles: admin everything, operator runs but cannot decrypt or administer, observer only reads', () => {
    const admin = compileGrants([role('admin')]);
    const operator = compileGrants([role('operator')]);
    const observer = compileGrants([role('observer')]);
    const action = { type: 'action' as const, ref: 'core.local', pack: 'core' };
    expect(allows(admin, 'a', 'key:decrypt', { type: 'key', ref: 'system.x' })).toBe(true);
    expect(allows(operator, 'o', 'action:execute', action)).toBe(true);
    expect(allows(operator, 'o', 'key:decrypt', { type: 'key', ref: 'system.x' })).toBe(false);
    expect(allows(operator, 'o', 'user:create', { type: 'user' })).toBe(false);
    expect(allows(operator, 'o', 'audit:list', { type: 'audit' })).toBe(false);
    expect(allows(observer, 'v', 'execution:list', { type: 'execution' })).toBe(true);
    expect(allows(observer, 'v', 'action:execute', action)).toBe(false);
    expect(allows(observer, 'v', 'rule:create', { type: 'rule' })).toBe(false);
  });

  it('owner-only: own executions and user keys without any role; others\' user keys never, even with key grants', () => {
    const none = compileGrants([]);
    const exec = { type: 'execution' as const, ref: 'e1', action: 'core.noop', pack: 'core', owner: 'ann' };
    expect(allows(none, 'ann', 'execution:view', exec)).toBe(true);
    expect(allows(none, 'ann', 'execution:modify', exec)).toBe(true);
    expect(allows(none, 'bob', 'execution:view', exec)).toBe(false);
    expect(allows(none, 'ann', 'key:decrypt', { type: 'key', ref: 'user:ann.k', owner: 'ann' })).toBe(true);
    const operator = compileGrants([role('operator')]);
    expect(allows(operator, 'bob', 'key:view', { type: 'key', ref: 'user:ann.k', owner: 'ann' })).toBe(false);
  });

  it('scoped grants: allowed on the named resource, denied on its neighbours', () => {
    const g = compileGrants([custom([{ resource_uid: 'pack:deploy', permission_types: ['action:execute', 'execution:view'] }])]);
    expect(allows(g, 'u', 'action:execute', { type: 'action', ref: 'deploy.run', pack: 'deploy' })).toBe(true);
    expect(allows(g, 'u', 'action:execute', { type: 'action', ref: 'core.local', pack: 'core' })).toBe(false);
    expect(allows(g, 'u', 'execution:view', { type: 'execution', ref: 'e', action: 'deploy.run', pack: 'deploy', owner: 'z' })).toBe(true);
    expect(allows(g, 'u', 'execution:list', { type: 'execution' })).toBe(false);
  });
});

describe('operator on routes other modules own', () => {
  it('may send to webhooks, re-emit trigger instances and test rules, but not install packs', () => {
    const operator = compileGrants([role('operator')]);
    expect(allows(operator, 'o', 'webhook:execute', { type: 'webhook' })).toBe(true);
    expect(allows(operator, 'o', 'trigger:execute', { type: 'trigger' })).toBe(true);
    expect(allows(operator, 'o', 'rule:view', { type: 'rule' })).toBe(true);
    expect(allows(operator, 'o', 'pack:create', { type: 'pack', ref: 'x', pack: 'x' })).toBe(false);
  });

  it('list scopes: everything for admins and global grants, else the grants that cover the list and what the user owns', () => {
    expect(listScope(compileGrants([role('admin')]), 'a', 'execution:list')).toBe('all');
    expect(listScope(compileGrants([role('observer')]), 'v', 'execution:list')).toBe('all');
    expect(listScope(compileGrants([custom([{ permission_types: ['execution:all'] }])]), 'u', 'execution:list')).toBe('all');
    const scoped = compileGrants([custom([
      { resource_uid: 'pack:core', permission_types: ['execution:list'] },
      { resource_uid: 'action:deploy.*', permission_types: ['execution:all'] },
      { resource_uid: 'action:other.x', permission_types: ['execution:view'] },
    ])]);
    expect(listScope(scoped, 'u', 'execution:list')).toEqual({ grants: [{ type: 'pack', ref: 'core' }, { type: 'action', ref: 'deploy.*' }], owner: 'u' });
    expect(listScope(compileGrants([]), 'u', 'execution:list')).toEqual({ grants: [], owner: 'u' });
    // Nothing owned is listed for rules: without a grant, nothing at all.
    expect(listScope(compileGrants([]), 'u', 'rule:list')).toBeNull();
  });
});
