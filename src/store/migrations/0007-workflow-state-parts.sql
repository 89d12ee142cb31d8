-- Workflow state saved in parts, so that an event rewrites only what it changed: the row in
-- workflow_states keeps the small header (and a version token that changes on every save);
-- task executions in groups and with-items values/results in slices live here, one row each.
alter table workflow_states add column version text not null default '';

create table workflow_state_parts (
  execution_id text not null,
  key text not null,
  body text not null,
  primary key (execution_id, key)
);
