-- Indexes for the time-range figures of GET /api/admin/stats (src/db/stats.ts). Only columns written
-- once are indexed: status and timestamp columns of messages change with every delivery report, and
-- indexing them would turn those frequent updates into non-HOT ones.

-- Messages created in a range (created_at is never updated).
create index messages_created_at on messages (created_at);

-- Chat sessions still open or ended after a given instant: `ended_at is null or ended_at >= $1`.
create index chat_sessions_ended_at on chat_sessions (ended_at);
