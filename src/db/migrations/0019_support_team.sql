-- The support team's tables (SPEC §7.6, §7.7): the business hours and SLA targets an admin sets,
-- labels and a priority per conversation, and each chat session's clocks.

-- One row per setting ('business_hours', 'sla'): absent, the start-up defaults apply (BUSINESS_HOURS,
-- BUSINESS_TIMEZONE; no SLA targets).
create table support_settings (
  name text primary key check (name in ('business_hours', 'sla')),
  value jsonb not null,
  updated_at timestamptz not null default now()
);

create table labels (
  id bigserial primary key,
  name text not null check (length(name) between 1 and 50),
  color text not null check (color ~ '^#[0-9a-f]{6}$'),
  created_at timestamptz not null default now()
);
create unique index labels_name on labels (lower(name));

-- Erasure deletes the conversations row, and with it the student's labels.
create table conversation_labels (
  contact_id text not null references conversations (contact_id) on delete cascade,
  label_id bigint not null references labels (id) on delete cascade,
  added_at timestamptz not null default now(),
  primary key (contact_id, label_id)
);
create index conversation_labels_label on conversation_labels (label_id);

alter table conversations add column priority text not null default 'normal'
  check (priority in ('low', 'normal', 'high', 'urgent'));

-- A chat session's clocks, written by the conversation workflow's turns. `available_at` is when the
-- chat reached the team: its start, or the next opening for a chat asked for outside business hours.
-- Business seconds count only open hours (domain/business-time.ts).
alter table chat_sessions add column priority text check (priority in ('low', 'normal', 'high', 'urgent'));
alter table chat_sessions add column available_at timestamptz;
alter table chat_sessions add column first_response_due_at timestamptz;
alter table chat_sessions add column resolution_due_at timestamptz;
alter table chat_sessions add column first_response_business_seconds double precision;
alter table chat_sessions add column resolution_business_seconds double precision;
alter table chat_sessions add column sla_first_response text check (sla_first_response in ('met', 'breached'));
alter table chat_sessions add column sla_resolution text check (sla_resolution in ('met', 'breached'));
alter table chat_sessions add column escalated_at timestamptz;
create index chat_sessions_started on chat_sessions (started_at);
