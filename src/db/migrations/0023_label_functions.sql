-- The runtime role deletes nothing (deploy/postgres/20-edubot-roles.sql): taking labels off a
-- conversation and deleting a label go through these functions, run with the migrations' owner's
-- rights, which delete those rows only.

-- Takes off `contact`'s labels other than `keep`; answers the ids taken off.
create function edubot_unlabel_conversation(contact text, keep bigint[]) returns setof bigint
language sql security definer set search_path = public as $$
  delete from conversation_labels where contact_id = contact and label_id <> all(keep) returning label_id;
$$;

-- Deletes a label (its conversations lose it by the cascade); answers how many conversations had it,
-- or no row for an unknown id.
create function edubot_delete_label(doomed bigint) returns setof bigint
language sql security definer set search_path = public as $$
  with counted as (select count(*) as n from conversation_labels where label_id = doomed),
       gone as (delete from labels where id = doomed returning id)
  select counted.n from gone, counted;
$$;
