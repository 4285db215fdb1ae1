-- Who holds each chat, written by the conversation's workflow (the only writer of the holder), and
-- every change of holder, for the history and the audit. Agents are referred to by id and by the name
-- they had then: a name shown in a history stays what it was.
alter table chat_sessions add column holder_agent_id bigint;
alter table chat_sessions add column holder_name text;

create table chat_holder_changes (
  id bigserial primary key,
  change_key text not null unique,             -- from the workflow: a retried write records it once
  session_key text not null,
  phone text not null,
  holder_agent_id bigint,                      -- null: given back, nobody holds the chat
  holder_name text,
  changed_by text not null,                    -- the name of who took, handed over or gave back
  at timestamptz not null default now()
);
create index chat_holder_changes_phone on chat_holder_changes (phone, id);
-- The queue reads open chats nobody has answered yet.
create index chat_sessions_waiting on chat_sessions (started_at) where ended_at is null and first_agent_reply_at is null;
