-- Inquiries (core.ask): one row per question asked, keyed by the id of the execution that
-- asks it (StackStorm's inquiry id is that execution's id). Its status is the execution's
-- (pending while open). Conventions of 0001: text ids, epoch-ms bigint times, JSON as text.
create table inquiries (
  id text primary key,
  parent_id text,
  route text not null default '',
  schema text not null,
  users text not null,
  roles text not null,
  ttl double precision not null,
  created_at bigint not null,
  expires_at bigint,
  responded_by text,
  responded_at bigint
);
create index inquiries_created on inquiries (created_at, id);
