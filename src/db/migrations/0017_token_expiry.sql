-- Tokens may expire: null never does (admin tokens unless asked), agent tokens get a date when made.
alter table admin_tokens add column expires_at timestamptz;

-- Agent tokens made before expiry existed would otherwise be good for ever. Counting 90 days (the
-- default for new agent tokens) from now rather than from their creation locks nobody out today.
update admin_tokens set expires_at = now() + interval '90 days'
 where role = 'agent' and revoked_at is null and expires_at is null;

-- Automatic assignment and the release of revoked agents' chats ask, per agent, whether any of
-- their tokens still lets them in.
create index admin_tokens_active on admin_tokens (agent_id, expires_at) where revoked_at is null;

-- The audit log is written once and never rewritten. The compose roles script grants the runtime
-- role select, insert and update on every table through default privileges, which also applied to
-- audit_log when the migrations created it (after that script ran). Whatever role the table's
-- owner gave update, delete or truncate to loses them here; the owner (who runs the migrations)
-- keeps its own. 20-edubot-roles.sql revokes them again when it is run by hand later.
do $$
declare
  role_oid oid;
begin
  for role_oid in
    select distinct a.grantee
      from pg_class c, aclexplode(c.relacl) a
     where c.oid = 'audit_log'::regclass
       and a.privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE')
       and a.grantee <> c.relowner
  loop
    -- Grantee 0 is PUBLIC, which has no pg_roles row.
    execute format('revoke update, delete, truncate on table audit_log from %s',
                   case when role_oid = 0 then 'public' else role_oid::regrole::text end);
  end loop;
end
$$;
