-- Workflow state: one row per workflow execution, saved in the transaction of every event.
create table workflow_states (
  execution_id text primary key,
  graph text not null,
  state text not null,
  updated_at bigint not null
);
