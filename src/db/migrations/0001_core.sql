-- Core tables of the durable conversation engine.

create table users (
  phone text primary key,                      -- WhatsApp id, digits only
  full_name text,
  email text,
  class_name text,
  registered_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One row per phone number, kept current by the conversation workflow's activities so the admin
-- list can filter and sort without asking Temporal for every conversation.
create table conversations (
  phone text primary key,
  profile_name text,                           -- name on the WhatsApp profile, as the webhook reports it
  state text not null default 'INITIAL',
  registered boolean not null default false,
  last_inbound_at timestamptz,
  last_activity_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create index conversations_state_activity on conversations (state, last_activity_at desc);
create index conversations_activity on conversations (last_activity_at desc);

-- Rank of a delivery status: a message's status only ever moves to a higher rank.
create function delivery_rank(status text) returns integer
language sql immutable strict as $$
  select case status
    when 'received' then 0
    when 'pending' then 0
    when 'accepted' then 1
    when 'sent' then 2
    when 'delivered' then 3
    when 'read' then 4
    when 'played' then 4
    when 'failed' then 5
    else -1
  end
$$;

create table messages (
  id bigserial primary key,
  phone text not null,
  direction text not null check (direction in ('inbound', 'outbound')),
  sender text not null check (sender in ('user', 'bot', 'agent')),
  sender_name text,                            -- the agent's name for agent messages
  wa_message_id text unique,                   -- null until WhatsApp accepted an outbound message
  idempotency_key text not null unique,        -- one logical message: a retried activity finds its row
  type text not null,                          -- inbound: text, button, list, image, …; outbound: text, buttons, list
  body text,                                   -- the text a person reads (caption, title, summary)
  payload jsonb not null default '{}',         -- the structured content
  media_id text,                               -- WhatsApp media id of an inbound photo or file
  context_wa_message_id text,                  -- the message this one replies to
  status text not null check (delivery_rank(status) >= 0),
  error_code integer,
  error_title text,
  wa_timestamp timestamptz,                    -- inbound: when the user sent it
  accepted_at timestamptz,                     -- outbound: when WhatsApp accepted the send
  sent_at timestamptz,
  delivered_at timestamptz,
  read_at timestamptz,
  failed_at timestamptz,
  attempts integer not null default 0,         -- outbound: send attempts made
  created_at timestamptz not null default now()
);
create index messages_phone_id on messages (phone, id);

-- Every delivery status WhatsApp reported, once per (message, status). Statuses can arrive before
-- the send activity has stored the wamid; they wait here and are applied when it does.
create table status_events (
  wa_message_id text not null,
  status text not null,
  occurred_at timestamptz not null,
  error_code integer,
  error_title text,
  received_at timestamptz not null default now(),
  primary key (wa_message_id, status)
);

create table chat_sessions (
  id bigserial primary key,
  phone text not null,
  started_at timestamptz not null default now(),
  started_by text not null,                    -- 'user' or the agent's name
  ended_at timestamptz,
  ended_by text,                               -- 'user', 'timeout' or the agent's name
  first_user_message_at timestamptz,
  first_agent_reply_at timestamptz,
  rating smallint check (rating between 1 and 5)
);
-- A conversation has at most one open chat.
create unique index chat_sessions_one_open on chat_sessions (phone) where ended_at is null;
