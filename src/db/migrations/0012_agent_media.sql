-- Files agents attach to their messages live in `media` next to the photos downloaded from WhatsApp:
-- an agent's file has no WhatsApp media id of its own (each send uploads it and gets a fresh one),
-- but a name, a kind and the person who uploaded it.
alter table media alter column wa_media_id drop not null;
alter table media add column origin text not null default 'whatsapp' check (origin in ('whatsapp', 'agent'));
alter table media add column media_type text check (media_type in ('image', 'document', 'audio', 'video'));
alter table media add column filename text;
alter table media add column uploaded_by bigint references agents (id);
alter table media add constraint media_origin_fields check (
  (origin = 'whatsapp' and wa_media_id is not null) or (origin = 'agent' and uploaded_by is not null)
);

-- The id WhatsApp gave the upload of an outbound message's file, stored before the send: a retried
-- attempt that finds it sends by it instead of uploading the file again.
alter table messages add column uploaded_media_id text;

-- The console asks for a user's media by WhatsApp's id; only a stored message naming it may be fetched.
create index messages_media_id on messages (media_id) where media_id is not null;
