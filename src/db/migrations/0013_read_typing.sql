-- What agents have read of a conversation, and when one last showed the user "typing…".
-- agent_read_up_to: the id of the latest inbound message an agent marked read on WhatsApp (only ever
-- moves forward); the inbound messages after it, and after our latest reply, are unread.
alter table conversations add column agent_read_up_to bigint;
-- typing_sent_at: when the last typing indicator went out, so every server together sends at most one
-- per interval (a conditional update on this column claims the turn).
alter table conversations add column typing_sent_at timestamptz;
