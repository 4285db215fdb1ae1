-- Temporal's databases and the role its server and schema tool connect as. The official Postgres
-- image runs this with psql, as the superuser, when the data volume is first initialised; it is
-- idempotent, so on an older volume it can be run by hand the same way (it then also sets the password).
\set ON_ERROR_STOP on

\getenv temporal_password TEMPORAL_DB_PASSWORD
\if :{?temporal_password}
\else
  do $$ begin raise exception 'TEMPORAL_DB_PASSWORD is not set'; end $$;
\endif

select 'create role temporal' where not exists (select from pg_roles where rolname = 'temporal') \gexec
alter role temporal with login password :'temporal_password';

-- Owning its databases lets Temporal's schema tool create its tables there (and btree_gin, a trusted
-- extension), while the role has no way into the product's database.
select format('create database %I owner temporal', name)
  from (values ('temporal'), ('temporal_visibility')) as wanted (name)
 where not exists (select from pg_database where datname = name) \gexec
alter database temporal owner to temporal;
alter database temporal_visibility owner to temporal;
revoke all on database temporal, temporal_visibility from public;
