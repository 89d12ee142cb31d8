-- Datastore, authentication, RBAC and audit. Same rules as 0001: text ids, epoch-ms
-- bigint times, JSON as text, 0/1 flags; runs unchanged on SQLite and PostgreSQL.

-- Key-value pairs. owner is '' for the system scope and the username for the user scope,
-- so one primary key serves `get` on both. value is the string (or JSON text, when
-- is_json = 1); for secrets it is the AES-256-GCM ciphertext, never the clear value.
-- name_key is the name in hex: hex digits sort the same under every collation (unlike
-- punctuation, which glibc locales ignore), so a prefix listing is an index range scan on
-- PostgreSQL whatever the database's collation, and on SQLite alike. It is a bijection of the
-- name, so it is also the key `get` uses (one index for both).
create table kv_pairs (
  scope text not null,
  owner text not null,
  name text not null,
  name_key text not null,
  value text not null,
  is_json integer not null default 0,
  secret integer not null default 0,
  expire_at bigint,
  created_at bigint not null,
  updated_at bigint not null,
  primary key (scope, owner, name_key)
);
create index kv_pairs_expire on kv_pairs (expire_at);

-- Local users; password_hash is "scrypt$N$r$p$salt$hash" (base64url parts).
create table users (
  username text primary key,
  password_hash text not null,
  enabled integer not null default 1,
  created_at bigint not null,
  updated_at bigint not null
);

-- Tokens from POST /auth/tokens, stored as SHA-256 like API keys.
create table auth_tokens (
  id text primary key,
  token_hash text not null unique,
  username text not null,
  created_at bigint not null,
  expires_at bigint not null,
  revoked integer not null default 0
);
create index auth_tokens_user on auth_tokens (username);

-- API keys may expire (null: never) and carry a description.
alter table api_keys add column expires_at bigint;
alter table api_keys add column description text not null default '';

-- Roles: grants is a JSON array of { resource_uid?, permission_types[] }. source is 'api',
-- 'system' or the YAML file the role came from (files are the truth for what they define).
create table rbac_roles (
  name text primary key,
  description text not null default '',
  grants text not null,
  source text not null,
  updated_at bigint not null
);

create table rbac_assignments (
  username text not null,
  role text not null,
  source text not null,
  created_at bigint not null,
  primary key (username, role, source)
);
create index rbac_assignments_role on rbac_assignments (role);

-- Append-only: Squall has no code path that updates or deletes these rows.
create table audit_log (
  id text primary key,
  ts bigint not null,
  actor text not null,
  source_address text not null default '',
  action text not null,
  resource_type text not null,
  resource_ref text not null,
  details text not null default '{}'
);
create index audit_log_ts on audit_log (ts, id);
create index audit_log_resource on audit_log (resource_type, resource_ref, ts);
create index audit_log_actor on audit_log (actor, ts);

-- Pack configuration: the pack's config.schema.yaml (as JSON) and its configs/<pack>.yaml
-- values with defaults applied, stored as written (st2kv references unresolved).
create table pack_configs (
  pack text primary key references packs(name) on delete cascade,
  config_schema text not null,
  config_values text not null,
  updated_at bigint not null
);
