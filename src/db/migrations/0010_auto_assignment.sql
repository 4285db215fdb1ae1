-- Automatic assignment (CHAT_AUTO_ASSIGN=round_robin): who is available for new chats, and when each
-- was last given one, so ties go round.
alter table agents add column available boolean not null default false;
alter table agents add column last_assigned_at timestamptz;
-- Counting each agent's open chats.
create index chat_sessions_open_holders on chat_sessions (holder_agent_id) where ended_at is null;

-- A canned response is withdrawn, not deleted: the runtime role deletes nothing, and a title can be
-- used again once the response that had it is withdrawn.
alter table canned_responses add column deleted_at timestamptz;
drop index canned_responses_title;
create unique index canned_responses_title on canned_responses (lower(title)) where deleted_at is null;
