-- Campaigns (SPEC §13): an approved template sent to an audience, one Temporal workflow per campaign.

-- A student who wrote STOP: no campaign includes them until they write START (the conversation flow
-- sets and clears it).
alter table conversations add column campaign_opted_out_at timestamptz;

create table campaigns (
  id text primary key check (id ~ '^cp_[0-9a-f]{20}$'),
  name text not null check (length(name) between 1 and 200),
  template_name text not null,
  template_language text not null,
  template_category text,
  -- Positional body parameters: { "1": "{first_name}", "2": "a constant" }.
  parameters jsonb not null default '{}',
  audience jsonb not null,
  ignore_opt_out boolean not null default false,
  rate_per_second integer not null check (rate_per_second >= 1),
  daily_cap integer check (daily_cap >= 1),
  start_at timestamptz not null,
  status text not null default 'scheduled'
    check (status in ('scheduled', 'running', 'paused', 'done', 'cancelled')),
  recipients integer not null default 0,       -- the audience snapshot's size
  created_by text,                             -- the admin token's name or the agent's id
  created_at timestamptz not null default now(),
  started_at timestamptz,                      -- when the snapshot was taken
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);
create index campaigns_created on campaigns (created_at desc);

-- One row per student in the audience snapshot, taken when the campaign starts. Erasure deletes the
-- contact, and its rows here with it.
create table campaign_recipients (
  campaign_id text not null references campaigns (id) on delete cascade,
  contact_id text not null references contacts (id) on delete cascade,
  status text not null default 'queued'
    check (status in ('queued', 'sent', 'delivered', 'read', 'failed', 'capped', 'skipped', 'replied')),
  -- The body parameters rendered for this student at the snapshot (null when skipped).
  parameters jsonb,
  -- The messages row's idempotency key, written before the Graph call; the send is keyed by it.
  idempotency_key text,
  wamid text,
  error_code integer,
  reason text,                                 -- why skipped, failed or capped (no student data)
  attempts integer not null default 0,
  not_before timestamptz,                      -- a retry after 131056 waits for the pair rate
  attempted_at timestamptz,
  sent_at timestamptz,
  delivered_at timestamptz,
  read_at timestamptz,
  failed_at timestamptz,
  replied_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (campaign_id, contact_id)
);
create index campaign_recipients_status on campaign_recipients (campaign_id, status, contact_id);
create index campaign_recipients_contact on campaign_recipients (contact_id);
create unique index campaign_recipients_wamid on campaign_recipients (wamid) where wamid is not null;
create index campaign_recipients_sent_at on campaign_recipients (sent_at) where sent_at is not null;

-- Pacing: a campaign takes what is left of the number's budget after the product's other outbound
-- messages of the last second (each send's row is created just before its Graph call).
create index messages_outbound_created on messages (created_at) where direction = 'outbound';

-- Rank of a recipient's status: statuses reported by WhatsApp only move a recipient up.
create function campaign_recipient_rank(status text) returns integer
language sql immutable strict as $$
  select case status
    when 'queued' then 0
    when 'sent' then 1
    when 'delivered' then 2
    when 'read' then 3
    when 'replied' then 4
    when 'failed' then 5
    else -1
  end
$$;

-- Delivery statuses reach the campaign message's row in messages (the webhook); the recipient follows.
create function campaign_message_status() returns trigger
language plpgsql as $$
declare
  next_status text;
begin
  next_status := case new.status
    when 'delivered' then 'delivered'
    when 'read' then 'read'
    when 'played' then 'read'
    when 'failed' then 'failed'
    else null
  end;
  if next_status is null then
    return new;
  end if;
  update campaign_recipients r
     set status = next_status,
         error_code = case when next_status = 'failed' then new.error_code else r.error_code end,
         reason = case when next_status = 'failed' then 'delivery failed' else r.reason end,
         delivered_at = case when next_status in ('delivered', 'read') then coalesce(r.delivered_at, now()) else r.delivered_at end,
         read_at = case when next_status = 'read' then coalesce(r.read_at, now()) else r.read_at end,
         failed_at = case when next_status = 'failed' then now() else r.failed_at end,
         updated_at = now()
   where r.wamid = new.wa_message_id
     and campaign_recipient_rank(r.status) between 1 and 3
     and campaign_recipient_rank(next_status) > campaign_recipient_rank(r.status);
  return new;
end
$$;

create trigger messages_campaign_status
  after update of status on messages
  for each row
  when (new.idempotency_key like 'campaign:%' and new.wa_message_id is not null and new.status is distinct from old.status)
  execute function campaign_message_status();

-- A student's message after a campaign message reached them marks the recipient `replied` (the message
-- itself goes to the bot or the agent like any other).
create function campaign_reply() returns trigger
language plpgsql as $$
begin
  update campaign_recipients r
     set status = 'replied', replied_at = now(), updated_at = now()
   where r.contact_id = new.contact_id
     and r.status in ('sent', 'delivered', 'read')
     and r.sent_at <= coalesce(new.wa_timestamp, now())
     and r.sent_at > now() - interval '7 days';
  return new;
end
$$;

create trigger messages_campaign_reply
  after insert on messages
  for each row
  when (new.direction = 'inbound' and new.sender = 'user')
  execute function campaign_reply();
