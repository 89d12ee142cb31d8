-- Sensors and timers. Same conventions as 0001: text ids, epoch-ms bigint times, JSON as
-- text, 0/1 flags.

-- One row per pack sensor (code sensor or built-in message-bus source). The lease columns
-- make it run on exactly one node: a node runs a sensor only while it holds an unexpired
-- lease, renewed by heartbeat; a dead node's sensors are taken over once it expires.
create table sensors (
  ref text primary key,
  pack text not null,
  name text not null,
  kind text not null,
  definition text not null,
  source_file text not null,
  enabled integer not null default 1,
  state text not null default 'stopped',
  restarts integer not null default 0,
  last_error text,
  last_exit_at bigint,
  pid integer,
  lease_owner text,
  lease_until bigint,
  updated_at bigint not null
);
create index sensors_pack on sensors (pack);

-- One row per timer trigger in use by a rule: when it fires next. A node claims the row
-- by moving next_fire_at forward in the same transaction that stores the trigger instance,
-- so each fire time is taken once per cluster.
create table timers (
  trigger_ref text primary key,
  trigger_type text not null,
  parameters text not null,
  next_fire_at bigint,
  last_fired_at bigint,
  updated_at bigint not null
);
