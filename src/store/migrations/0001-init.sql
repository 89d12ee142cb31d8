-- Squall schema, version 1. Runs unchanged on SQLite and PostgreSQL: ids are text,
-- times are epoch milliseconds (bigint), JSON is text, flags are 0/1 integers.

create table packs (
  name text primary key,
  version text not null,
  description text not null default '',
  path text,
  metadata text not null,
  registered_at bigint not null
);

create table actions (
  ref text primary key,
  pack text not null references packs(name) on delete cascade,
  name text not null,
  runner_type text not null,
  entry_point text not null default '',
  description text not null default '',
  enabled integer not null default 1,
  parameters text not null,
  metadata text not null,
  updated_at bigint not null
);
create index actions_pack on actions (pack);

create table policies (
  ref text primary key,
  pack text not null references packs(name) on delete cascade,
  name text not null,
  resource_ref text not null,
  policy_type text not null,
  parameters text not null,
  enabled integer not null default 1
);
create index policies_resource on policies (resource_ref);

create table executions (
  id text primary key,
  action text not null,
  runner_type text not null,
  status text not null,
  parameters text not null,
  result text,
  context text not null,
  parent_id text,
  created_at bigint not null,
  start_timestamp bigint,
  end_timestamp bigint,
  updated_at bigint not null,
  attempt integer not null default 0
);
create index executions_created on executions (created_at, id);
create index executions_action on executions (action, created_at);
create index executions_status on executions (status, created_at);
create index executions_parent on executions (parent_id);

create table execution_output (
  execution_id text not null,
  seq integer not null,
  stream text not null,
  data text not null,
  ts bigint not null,
  primary key (execution_id, seq)
);

create table jobs (
  id text primary key,
  queue text not null,
  ref text,
  payload text not null,
  run_at bigint not null,
  lease_owner text,
  lease_until bigint,
  attempts integer not null default 0,
  last_error text,
  created_at bigint not null
);
create index jobs_ready on jobs (queue, run_at);
create index jobs_ref on jobs (ref);

create table api_keys (
  id text primary key,
  key_hash text not null unique,
  username text not null,
  enabled integer not null default 1,
  created_at bigint not null,
  metadata text not null default '{}'
);
