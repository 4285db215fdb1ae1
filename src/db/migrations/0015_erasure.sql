-- Erasing a student (SPEC §12): every row about one contact deleted, or anonymised where a figure
-- needs the row (a payment keeps its amount, plan, status and dates). The runtime role deletes
-- nothing (deploy/postgres/20-edubot-roles.sql), so the deletes live in this function, which runs
-- with the rights of the role that ran the migrations (its owner) and deletes only what belongs to the
-- contact it is given: the runtime role can erase a student, never delete arbitrary rows.
--
-- EXECUTE stays granted to PUBLIC, as Postgres makes every function: only the product's two roles may
-- connect to its database, and the runtime role must be able to call it.

-- An erased student's payments keep no link to anyone.
alter table payments alter column contact_id drop not null;

create function edubot_erase_contact(erased_id text) returns jsonb
language plpgsql security definer set search_path = public as $$
declare
  locked text[] := '{}';
  lock_key text;
  added integer;
  needles text[];
  wamids text[];
  media_ids bigint[];
  counts jsonb := '{}';
  n bigint;
begin
  if erased_id is null or erased_id !~ '^ct_[0-9a-f]{20}$' then
    raise exception 'not a contact id' using errcode = '22023';
  end if;

  -- The contact's identifiers are locked as linkSender and mergeContacts lock them (the same keys,
  -- in one order), so a webhook naming one of them either resolved it before this transaction (and
  -- what it stored is erased here) or waits and then finds it gone (and makes a new contact). A
  -- webhook may link one more identifier between the read and the locks: read again until none did.
  loop
    added := 0;
    for lock_key in
      select i.kind || ':' || i.value from contact_identities i
       where i.contact_id = erased_id order by (i.kind || ':' || i.value) collate "C"
    loop
      if not lock_key = any(locked) then
        perform pg_advisory_xact_lock(hashtextextended(lock_key, 0));
        locked := locked || lock_key;
        added := added + 1;
      end if;
    end loop;
    exit when added = 0;
  end loop;
  perform 1 from contacts where id = erased_id for update;

  -- What may name the student in free-form text (a quarantined webhook item, an audit row's details):
  -- every identifier Meta showed, the email, the payment and homework references. Names are left out
  -- of this match: a short name would match other people's rows (their rows about the student go).
  select coalesce(array_agg(distinct v), '{}') into needles from (
    select value as v from contact_identities where contact_id = erased_id
    union all select unnest(array[phone, bsuid, parent_bsuid, ltrim(username, '@')]) from contacts where id = erased_id
    union all select email from users where contact_id = erased_id
    union all select reference from payments where contact_id = erased_id
    union all select reference from homework where contact_id = erased_id
  ) s where v is not null and length(v) >= 4;
  select coalesce(array_agg(wa_message_id), '{}') into wamids
    from messages where contact_id = erased_id and wa_message_id is not null;

  -- Media: the student's photos and files, their homework's, and the files agents sent only to them.
  with candidates as (
    select md.id, md.wa_media_id from media md
     where md.wa_media_id in (select media_id from messages where contact_id = erased_id and media_id is not null)
        or md.id in (select media_id from homework where contact_id = erased_id and media_id is not null)
        or (md.origin = 'agent' and md.id::text in (
              select payload->>'fileId' from messages
               where contact_id = erased_id and sender = 'agent' and payload ? 'fileId'))
  )
  select coalesce(array_agg(c.id), '{}') into media_ids from candidates c
   where not exists (select 1 from messages o where o.contact_id <> erased_id and o.media_id = c.wa_media_id)
     and not exists (select 1 from homework h where h.contact_id <> erased_id and h.media_id = c.id)
     and not exists (select 1 from messages o
                      where o.contact_id <> erased_id and o.sender = 'agent' and o.payload->>'fileId' = c.id::text);

  delete from status_events where wa_message_id = any(wamids);
  get diagnostics n = row_count; counts := counts || jsonb_build_object('statusEvents', n);
  -- The console's copies: the contact's events, and status events that named only the message.
  delete from events
   where contact_id = erased_id or (contact_id is null and payload->>'waMessageId' = any(wamids));
  get diagnostics n = row_count; counts := counts || jsonb_build_object('events', n);
  delete from notes where contact_id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('notes', n);
  delete from homework where contact_id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('homework', n);
  delete from chat_holder_changes where contact_id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('chatHolderChanges', n);
  delete from chat_sessions where contact_id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('chatSessions', n);
  -- With them go their search words (body_search) and every index entry.
  delete from messages where contact_id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('messages', n);
  delete from media where id = any(media_ids);
  get diagnostics n = row_count; counts := counts || jsonb_build_object('media', n);
  delete from quarantine q
   where q.contact_id = erased_id
      or exists (select 1 from unnest(needles || wamids) x where strpos(q.raw, x) > 0);
  get diagnostics n = row_count; counts := counts || jsonb_build_object('quarantine', n);

  -- Payments stay for the business's figures, with nothing that leads back to the student: the
  -- reference (the payment provider's records hold the payer) becomes a random one. A pending payment
  -- can no longer be confirmed.
  update payments set contact_id = null, reference = 'erased-' || gen_random_uuid(),
         status = case when status = 'pending' then 'expired' else status end,
         expired_at = case when status = 'pending' then now() else expired_at end
   where contact_id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('paymentsAnonymised', n);

  -- The audit log keeps who did what to which contact id (an id that, once this is done, leads to
  -- nothing), but not what named the student: a message id of theirs, or any identifier in the details.
  update audit_log set details = details - 'waMessageId' - 'idempotencyKey'
   where contact_id = erased_id and (details ? 'waMessageId' or details ? 'idempotencyKey');
  get diagnostics n = row_count;
  counts := counts || jsonb_build_object('auditScrubbed', n);
  n := edubot_scrub_audit_details(needles || wamids);
  counts := counts || jsonb_build_object('auditScrubbed', (counts->>'auditScrubbed')::bigint + n);

  delete from users where contact_id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('profiles', n);
  -- The read marks and typing turn live on this row.
  delete from conversations where contact_id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('conversations', n);
  delete from contact_identities where contact_id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('identities', n);
  delete from contacts where id = erased_id;
  get diagnostics n = row_count; counts := counts || jsonb_build_object('contacts', n);
  return counts;
end
$$;

-- Replaces every occurrence of each needle in audit rows' details with "[erased]". The needle is
-- matched as JSON spells it, so the details stay JSON; a row where that still fails loses its details.
create function edubot_scrub_audit_details(needles text[]) returns bigint
language plpgsql security definer set search_path = public as $$
declare
  row_id bigint;
  text_details text;
  needle text;
  scrubbed bigint := 0;
begin
  if coalesce(array_length(needles, 1), 0) = 0 then return 0; end if;
  for row_id, text_details in
    select a.id, a.details::text from audit_log a
     where exists (select 1 from unnest(needles) x where strpos(a.details::text, x) > 0)
  loop
    foreach needle in array needles loop
      text_details := replace(text_details, substr(to_jsonb(needle)::text, 2, length(to_jsonb(needle)::text) - 2),
                              '[erased]');
    end loop;
    begin
      update audit_log set details = text_details::jsonb where id = row_id;
    exception when invalid_text_representation then
      update audit_log set details = '{"scrubbed": true}'::jsonb where id = row_id;
    end;
    scrubbed := scrubbed + 1;
  end loop;
  return scrubbed;
end
$$;

-- Called by edubot_erase_contact only: with any needles it would rewrite any audit row.
revoke execute on function edubot_scrub_audit_details(text[]) from public;
