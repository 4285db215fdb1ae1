-- Automatic assignment (CHAT_AUTO_ASSIGN=round_robin): who is available for new chats, and when each
-- was last given one, so ties go round.
alter table agents add column available boolean not null default false;
alter table agents add column last_assigned_at timestamptz;
-- Counting each agent's open chats.
create index chat_sessions_open_holders on chat_sessions (holder_agent_id) where ended_at is null;
