-- The support team: named people who hold the admin API's tokens, the notes they leave each other
-- on a conversation, and the replies they keep ready.

-- A person with a display name. Users, the history and the audit log show this name, never a
-- token's label. Names are unique: a token created for a name that exists goes to that person.
create table agents (
  id bigserial primary key,
  name text not null unique,
  created_at timestamptz not null default now()
);

-- The person behind the environment's ADMIN_TOKEN, which has no row in admin_tokens. The token
-- routes refuse the name "Admin" for a new token, so this row stands for the environment alone.
insert into agents (name) values ('Admin');

-- Each existing token's label becomes its holder's name, in the order the tokens were made; tokens
-- that carried the same label now belong to one person (a token labelled "Admin" to the one above).
insert into agents (name)
  select name from admin_tokens group by name order by min(id)
  on conflict (name) do nothing;

alter table admin_tokens add column agent_id bigint references agents (id);
update admin_tokens t set agent_id = a.id from agents a where a.name = t.name;
alter table admin_tokens alter column agent_id set not null;
-- The name lives on the person now: one place, so a token and its holder can never disagree.
alter table admin_tokens drop column name;
create index admin_tokens_agent on admin_tokens (agent_id);

-- audit_log.actor keeps the name the request was made under: the person's name from here on. Rows
-- written before keep the label of their time ('ADMIN_TOKEN' for the environment's token): the
-- log records what was, and is never rewritten.
comment on column audit_log.actor is 'the person''s name (agents.name), or ''anonymous''; before 0008 the token''s label or ''ADMIN_TOKEN''';

-- A note an agent writes on a conversation for the other agents. It never leaves Postgres: nothing
-- that sends to WhatsApp reads this table.
create table notes (
  id bigserial primary key,
  phone text not null references conversations (phone),
  agent_id bigint not null references agents (id),
  agent_name text not null,                    -- the author's name when the note was written
  body text not null,
  created_at timestamptz not null default now()
);
create index notes_phone on notes (phone, created_at, id);

-- Saved replies with {first_name}, {full_name} and {class} fields. Two titles that differ only in
-- case would be one entry to an agent picking by title: unique ignoring case.
create table canned_responses (
  id bigserial primary key,
  title text not null,
  body text not null,
  created_by bigint references agents (id),
  created_at timestamptz not null default now()
);
create unique index canned_responses_title on canned_responses (lower(title));
