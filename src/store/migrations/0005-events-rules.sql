-- Events and rules: trigger types, triggers, trigger instances (with delivery-id dedupe),
-- rules, rule enforcements and rule windows. Same conventions as 0001: text ids, epoch-ms
-- bigint times, JSON as text, 0/1 flags.

create table trigger_types (
  ref text primary key,
  pack text not null,
  name text not null,
  description text not null default '',
  payload_schema text not null,
  parameters_schema text not null,
  metadata text not null,
  updated_at bigint not null
);

-- A trigger is a type plus parameters. Parameterless types have one trigger whose ref is
-- the type's ref; parameterised ones get a ref derived from the parameters.
create table triggers (
  ref text primary key,
  pack text not null,
  name text not null,
  type text not null,
  parameters text not null,
  webhook_url text,
  created_at bigint not null
);
create index triggers_type on triggers (type);
create index triggers_webhook_url on triggers (webhook_url);

create table trigger_instances (
  id text primary key,
  trigger_ref text not null,
  trigger_type text not null,
  payload text not null,
  occurrence_time bigint not null,
  status text not null,
  delivery_id text,
  trace_tag text,
  created_at bigint not null
);
create index trigger_instances_time on trigger_instances (occurrence_time, id);
create index trigger_instances_type on trigger_instances (trigger_type, occurrence_time);

-- One row per delivery id seen within the dedupe window (key = trigger ref + delivery id).
create table trigger_deliveries (
  key text primary key,
  instance_id text not null,
  expires_at bigint not null
);
create index trigger_deliveries_expiry on trigger_deliveries (expires_at);

create table rules (
  id text not null unique,
  ref text primary key,
  pack text not null,
  name text not null,
  enabled integer not null default 1,
  trigger_type text not null,
  trigger_ref text not null,
  action_ref text not null,
  definition text not null,
  source_file text,
  created_at bigint not null,
  updated_at bigint not null
);
create index rules_trigger_ref on rules (trigger_ref);
create index rules_pack on rules (pack);

-- Bumped in the transaction of every rule change, so each rules-engine node knows its
-- in-memory index is stale before it matches the next trigger instance.
create table rules_revision (
  id integer primary key,
  revision bigint not null
);
insert into rules_revision (id, revision) values (1, 0);

create table rule_enforcements (
  id text primary key,
  rule_ref text not null,
  rule_id text not null,
  trigger_instance_id text not null,
  status text not null,
  execution_id text,
  failure_reason text,
  details text not null,
  enforced_at bigint not null
);
create index rule_enforcements_time on rule_enforcements (enforced_at, id);
create index rule_enforcements_rule on rule_enforcements (rule_ref, enforced_at);
create index rule_enforcements_instance on rule_enforcements (trigger_instance_id);
create index rule_enforcements_execution on rule_enforcements (execution_id);

-- Window state per rule and group: the events still inside the period and the cooldown.
create table rule_windows (
  rule_ref text not null,
  group_key text not null,
  events text not null,
  cooldown_until bigint not null default 0,
  updated_at bigint not null,
  primary key (rule_ref, group_key)
);
