-- A stored file's bytes in chunks of at most 512 KB, written as an upload or a download streams in,
-- so no process ever holds a whole file. Rows written before this release keep their bytes in
-- media.data and are read from there: moving every byte here would rewrite the largest table in one
-- transaction, and workers of the previous release still draining read media.data.
create table media_chunks (
  media_id bigint not null references media (id) on delete cascade,
  seq integer not null check (seq >= 0),
  bytes bytea not null,
  primary key (media_id, seq)
);

-- New rows carry no bytes here; a row is usable only once complete: its last chunk written, its size
-- and checksum known. An upload or download that fails leaves an incomplete row, deleted at once, or
-- by the sweep of incomplete rows when the process died first.
alter table media alter column data drop not null;
alter table media add column complete boolean not null default true;
create index media_incomplete on media (created_at) where not complete;

-- A user's media being downloaded has no WhatsApp media id yet: the id is set as it completes, so an
-- unfinished download never holds the id another download would complete.
alter table media drop constraint media_origin_fields;
alter table media add constraint media_origin_fields check (
  not complete or (origin = 'whatsapp' and wa_media_id is not null) or (origin = 'agent' and uploaded_by is not null)
);

-- The runtime role deletes nothing (deploy/postgres/20-edubot-roles.sql): an unfinished file is
-- dropped through these functions, run with the migrations' owner's rights, which delete incomplete
-- rows only (their chunks go by the cascade), never a stored file.
create function edubot_discard_media(discarded_id bigint) returns integer
language plpgsql security definer set search_path = public as $$
declare
  n integer;
begin
  delete from media where id = discarded_id and not complete;
  get diagnostics n = row_count;
  return n;
end $$;

create function edubot_sweep_incomplete_media(older_than timestamptz) returns integer
language plpgsql security definer set search_path = public as $$
declare
  n integer;
begin
  delete from media where not complete and created_at < older_than;
  get diagnostics n = row_count;
  return n;
end $$;

-- Chunks are read in slices (src/db/media.ts): stored uncompressed, a slice is read without
-- decompressing the chunk before it. Photos, PDFs and videos are compressed already.
alter table media_chunks alter column bytes set storage external;
