-- The product's two roles in its database (the one psql runs this in: POSTGRES_DB). edubot_owner
-- owns the schema and runs the migrations; edubot_app, the role of the server and the worker, reads
-- and writes rows and nothing else. Run as the superuser, at first initialisation or by hand.
\set ON_ERROR_STOP on

\getenv owner_password EDUBOT_OWNER_DB_PASSWORD
\getenv app_password EDUBOT_APP_DB_PASSWORD
\if :{?owner_password}
\else
  do $$ begin raise exception 'EDUBOT_OWNER_DB_PASSWORD is not set'; end $$;
\endif
\if :{?app_password}
\else
  do $$ begin raise exception 'EDUBOT_APP_DB_PASSWORD is not set'; end $$;
\endif

select 'create role edubot_owner' where not exists (select from pg_roles where rolname = 'edubot_owner') \gexec
select 'create role edubot_app' where not exists (select from pg_roles where rolname = 'edubot_app') \gexec
alter role edubot_owner with login password :'owner_password';
alter role edubot_app with login password :'app_password';

-- Only these two connect, and only the migrations make temporary tables (0014 builds one).
select format('revoke all on database %I from public', current_database()) \gexec
select format('grant connect on database %I to edubot_owner, edubot_app', current_database()) \gexec
select format('grant temporary on database %I to edubot_owner', current_database()) \gexec

-- The schema's owner may create, alter and drop in it: the migrations' DDL.
alter schema public owner to edubot_owner;

-- The runtime role gets rows only. Nothing the server or the worker runs deletes, truncates or changes
-- the schema; bigserial ids need usage on their sequences (nextval); LISTEN/NOTIFY and advisory locks
-- need no grant; delivery_rank(), called by a check constraint, is executable by everyone as Postgres
-- makes every function by default.
grant usage on schema public to edubot_app;
grant select, insert, update on all tables in schema public to edubot_app;
grant usage on all sequences in schema public to edubot_app;
-- The same for what later migrations create.
alter default privileges for role edubot_owner in schema public grant select, insert, update on tables to edubot_app;
alter default privileges for role edubot_owner in schema public grant usage on sequences to edubot_app;

-- The audit log is written and read, never rewritten: the runtime role may not update, delete or
-- truncate it (retention and erasure go through the owner's security-definer functions of migrations
-- 0015 and 0016, which touch only what they are for). On a new volume this script runs before the
-- migrations create the table, so the default privileges above then give it update too: migration
-- 0017 takes that back. The default privileges stay as they are rather than leaving update out,
-- which would make every later migration grant update on its tables to a role it does not know.
-- Run by hand on a migrated database, the grant on all tables above gave update again: taken back
-- here.
select 'revoke update, delete, truncate on table audit_log from edubot_app'
 where to_regclass('public.audit_log') is not null \gexec
