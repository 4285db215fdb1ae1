-- The WhatsApp Business Account's message templates, as last listed from the Graph API and kept
-- current by the `message_template_status_update` webhook. A template the listing no longer has is
-- marked gone, not deleted: the runtime role deletes nothing, and it may come back.
create table message_templates (
  name text not null,
  language text not null,
  wa_template_id text not null,
  status text not null,                        -- APPROVED, PAUSED, DISABLED, REJECTED, PENDING …
  category text not null,
  components jsonb not null,                   -- Graph's components, as listed
  parameter_format text not null check (parameter_format in ('POSITIONAL', 'NAMED')),
  gone_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (name, language)
);
-- A status update names the template by its id.
create index message_templates_wa_id on message_templates (wa_template_id);
