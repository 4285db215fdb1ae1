-- The SLA warnings and breaches of chat sessions (SPEC §7.6, §10), written by the conversation
-- workflow's turns: the conversation's history shows them, and /metrics counts them
-- (edubot_sla_breaches_total{kind,priority}). One row per session and kind, so a retried write, or a
-- clock planned again after its warning, records it once. They go with their session (erasure).
create table chat_sla_events (
  id bigserial primary key,
  session_key text not null references chat_sessions (session_key) on delete cascade,
  kind text not null
    check (kind in ('first_response_warning', 'first_response_breach', 'resolution_warning', 'resolution_breach')),
  priority text not null check (priority in ('low', 'normal', 'high', 'urgent')),
  due_at timestamptz not null,
  escalated boolean not null default false,
  at timestamptz not null default now(),
  unique (session_key, kind)
);
-- The queue puts escalated chats first.
create index chat_sessions_escalated on chat_sessions (escalated_at) where escalated_at is not null and ended_at is null;
