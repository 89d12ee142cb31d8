-- Who started an execution (context.user), in a column of its own: the listing of "the
-- executions I started" that every user has (RBAC) walks an index instead of reading the
-- context JSON of each row. Written on insert; existing rows take it from their context.
alter table executions add column started_by text;
update executions set started_by = json_extract(context, '$.user') where json_type(context, '$.user') = 'text';
create index executions_started_by on executions (started_by, created_at, id);
