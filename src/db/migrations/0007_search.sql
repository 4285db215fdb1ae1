-- Indexes of GET /api/admin/search (src/db/search.ts): conversations by name, email or phone, and
-- messages by the words of their text.
--
-- Full-text search uses the 'simple' configuration: it lower-cases words and does nothing else (no
-- stemming, no stop words), so a name, a word of any language and a number are found as typed.
-- The queries must spell each indexed expression exactly as it is written here.
--
-- No extension (pg_trgm would give substring matches): the role that runs the migrations in
-- production owns the schema but may not create extensions in the database. Phone numbers are
-- found by prefix and by suffix instead, with two btree indexes.

-- The words of a message's text, kept beside it: checking a row against a query then reads this
-- column instead of parsing the text again, which lets Postgres walk the newest messages first and
-- stop at a page (the plan for common words), for the price of the words stored twice (the table
-- grows by about two thirds). It is
-- computed from `body` alone, which status updates never touch: they recompute nothing, change no
-- indexed column and stay HOT updates (see 0004). Adding it rewrites the table once and then
-- builds the index (10–16 s per million messages, see BENCHMARKS.md), while messages wait to be stored.
alter table messages add column body_search tsvector
  generated always as (to_tsvector('simple', coalesce(body, ''))) stored;
create index messages_body_search on messages using gin (body_search);
-- Ten times the default sample of the column's words: the planner then knows how rare a rare word
-- is, and looks one up in the index instead of scanning the newest messages for it.
alter table messages alter column body_search set statistics 1000;

-- The student's name and email as search words. The parser reads an email as one token, its two
-- halves as one token each, and splits nothing else: the email is indexed whole, by halves and by
-- its words, so "ana.silva@school.example", "ana.silva", "school.example" and "silva" all find it.
create function person_search_document(full_name text, email text) returns tsvector
language sql immutable parallel safe as $$
  select to_tsvector('simple',
    coalesce(full_name, '') || ' ' || coalesce(email, '') || ' '
    || split_part(coalesce(email, ''), '@', 1) || ' ' || split_part(coalesce(email, ''), '@', 2) || ' '
    || regexp_replace(coalesce(email, ''), '[^[:alnum:]]+', ' ', 'g'))
$$;
create index users_search on users using gin (person_search_document(full_name, email));

-- The name on the WhatsApp profile, which unregistered users have too.
create index conversations_profile_name_search on conversations
  using gin (to_tsvector('simple', coalesce(profile_name, '')));

-- `phone like '1555%'` and `reverse(phone) like '1000%'` (a number's last digits, typed without
-- the country code). text_pattern_ops makes LIKE prefixes usable whatever the database's collation.
create index conversations_phone_prefix on conversations (phone text_pattern_ops);
create index conversations_phone_suffix on conversations (reverse(phone) text_pattern_ops);
