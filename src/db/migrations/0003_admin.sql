-- The admin API: bearer tokens with roles, the audit log of every admin request, and the event
-- stream the agents' console follows.

-- Only the SHA-256 of a token is kept: a copy of this table authenticates nobody.
create table admin_tokens (
  id bigserial primary key,
  name text not null,                          -- who holds it; agent messages are stored under this name
  role text not null check (role in ('admin', 'agent')),
  token_hash text not null unique,             -- hex SHA-256 of the token
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);

-- One row per admin request, refused ones included. Never message bodies or tokens.
create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor text not null,                         -- token name, 'ADMIN_TOKEN' or 'anonymous'
  actor_token_id bigint references admin_tokens (id),
  role text check (role in ('admin', 'agent')), -- null when the request was not authenticated
  action text not null,                        -- e.g. 'chat.send', 'token.create', 'conversations.list'
  phone text,                                  -- the conversation acted on, digits only
  outcome text not null,                       -- 'ok' or the error code of the answer
  http_status integer not null,
  details jsonb not null default '{}'
);
create index audit_log_phone on audit_log (phone, id desc) where phone is not null;
create index audit_log_action on audit_log (action, id desc);

-- What the console's server-sent event stream replays and follows. Ids are handed out in commit
-- order (appendEvent serialises writers), so "everything after id N" never skips a late commit.
create table events (
  id bigserial primary key,
  at timestamptz not null default now(),
  kind text not null,                          -- 'message', 'state', 'status', …
  phone text,                                  -- null for events about no single conversation
  payload jsonb not null default '{}'
);
