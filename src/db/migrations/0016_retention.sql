-- Retention (RETENTION_MESSAGES, RETENTION_MEDIA, RETENTION_AUDIT, RETENTION_QUARANTINE): rows older
-- than their limit are pruned daily by the retention workflow, one bounded batch per call. The runtime
-- role deletes nothing itself (deploy/postgres/20-edubot-roles.sql): these functions, owned by the role
-- that runs the migrations and run with its rights (security definer, search_path pinned so no object
-- of another schema stands in), are the only deletes it can start. Each counts what it removed in
-- retention_deleted in the same transaction, so /metrics never counts a delete that rolled back.

create table retention_deleted (
  kind text primary key check (kind in ('messages', 'media', 'audit', 'quarantine')),
  deleted bigint not null default 0
);
insert into retention_deleted (kind) values ('messages'), ('media'), ('audit'), ('quarantine');

-- What each batch looks its rows up by: the oldest first, without reading the whole table.
create index events_at on events (at);
create index status_events_received_at on status_events (received_at);
create index audit_log_at on audit_log (at);
create index quarantine_at on quarantine (at);
create index media_created_at on media (created_at);

-- A homework photo whose bytes retention removed keeps its row (subject, reference, date), without the file.
alter table homework drop constraint homework_check;
alter table homework add constraint homework_content check ((kind = 'text' and text_body is not null) or kind = 'image');

-- Messages stored before `older_than`, their delivery statuses and the console stream's events of the
-- same age. Nothing of a contact with an open chat (a session with no end): the agent reads the whole
-- history while chatting. `batch_full`: some part removed `batch_limit` rows, so more may be left.
create function retention_prune_messages(older_than timestamptz, batch_limit integer)
returns table (deleted integer, batch_full boolean)
language plpgsql security definer set search_path = public as $$
#variable_conflict use_column
declare
  n_messages integer;
  n_events integer;
  n_statuses integer;
begin
  with doomed as (
    select m.id from messages m
    where m.created_at < older_than
      and not exists (select 1 from chat_sessions s where s.contact_id = m.contact_id and s.ended_at is null)
    order by m.created_at
    limit batch_limit
  ), gone as (
    delete from messages m using doomed where m.id = doomed.id returning m.wa_message_id
  ), statuses as (
    delete from status_events s using gone where s.wa_message_id = gone.wa_message_id
  )
  select count(*) into n_messages from gone;

  with doomed as (
    select e.id from events e
    where e.at < older_than
      and (e.contact_id is null
        or not exists (select 1 from chat_sessions s where s.contact_id = e.contact_id and s.ended_at is null))
    order by e.at
    limit batch_limit
  )
  delete from events e using doomed where e.id = doomed.id;
  get diagnostics n_events = row_count;

  -- Statuses that never found their message (it was never stored, or went before they came).
  with doomed as (
    select s.wa_message_id, s.status from status_events s
    where s.received_at < older_than
      and not exists (select 1 from messages m where m.wa_message_id = s.wa_message_id)
    order by s.received_at
    limit batch_limit
  )
  delete from status_events s using doomed
  where s.wa_message_id = doomed.wa_message_id and s.status = doomed.status;
  get diagnostics n_statuses = row_count;

  update retention_deleted r set deleted = r.deleted + n_messages where r.kind = 'messages';
  return query select n_messages, greatest(n_messages, n_events, n_statuses) >= batch_limit;
end
$$;

-- Media files stored before `older_than`. What named one keeps its row without it: a homework photo,
-- and a student's message, which stops naming its WhatsApp media id, since the console would
-- otherwise download it again from WhatsApp (which keeps media for 30 days) and so undo the pruning.
-- For the same reason a message older than `older_than` stops naming media never downloaded.
create function retention_prune_media(older_than timestamptz, batch_limit integer)
returns table (deleted integer, batch_full boolean)
language plpgsql security definer set search_path = public as $$
#variable_conflict use_column
declare
  ids bigint[];
  wa_ids text[];
  n_media integer;
  n_references integer;
begin
  select coalesce(array_agg(d.id), '{}'), coalesce(array_agg(d.wa_media_id) filter (where d.wa_media_id is not null), '{}')
  into ids, wa_ids
  from (select id, wa_media_id from media where created_at < older_than order by created_at limit batch_limit) d;

  update homework set media_id = null where media_id = any(ids);
  update messages set media_id = null where media_id = any(wa_ids);
  delete from media where id = any(ids);
  get diagnostics n_media = row_count;

  update messages set media_id = null
  where id in (
    select id from messages where media_id is not null and created_at < older_than order by created_at limit batch_limit
  );
  get diagnostics n_references = row_count;

  update retention_deleted r set deleted = r.deleted + n_media where r.kind = 'media';
  return query select n_media, greatest(n_media, n_references) >= batch_limit;
end
$$;

create function retention_prune_audit(older_than timestamptz, batch_limit integer)
returns table (deleted integer, batch_full boolean)
language plpgsql security definer set search_path = public as $$
#variable_conflict use_column
declare
  n integer;
begin
  delete from audit_log where id in (select id from audit_log where at < older_than order by at limit batch_limit);
  get diagnostics n = row_count;
  update retention_deleted r set deleted = r.deleted + n where r.kind = 'audit';
  return query select n, n >= batch_limit;
end
$$;

create function retention_prune_quarantine(older_than timestamptz, batch_limit integer)
returns table (deleted integer, batch_full boolean)
language plpgsql security definer set search_path = public as $$
#variable_conflict use_column
declare
  n integer;
begin
  delete from quarantine where id in (select id from quarantine where at < older_than order by at limit batch_limit);
  get diagnostics n = row_count;
  update retention_deleted r set deleted = r.deleted + n where r.kind = 'quarantine';
  return query select n, n >= batch_limit;
end
$$;
