-- The conversation itself sets items aside too: an inbound message, agent action, payment or timer
-- whose handling failed for good (Postgres refused its values, WhatsApp refused a download, the flow
-- threw). Such an item belongs to one conversation, whose history shows it.
alter table quarantine add column phone text;
alter table quarantine drop constraint quarantine_source_check;
alter table quarantine add constraint quarantine_source_check
  check (source in ('webhook_message', 'webhook_status', 'payment', 'conversation'));
create index quarantine_phone on quarantine (phone, id desc) where phone is not null;
