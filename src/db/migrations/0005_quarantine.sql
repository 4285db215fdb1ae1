-- Inbound items that could not be handled, set aside so the rest of their batch goes on and an
-- operator still sees them. Rows are never updated or deleted: /metrics counts them.
create table quarantine (
  id bigserial primary key,
  at timestamptz not null default now(),
  source text not null check (source in ('webhook_message', 'webhook_status', 'payment')),
  reason text not null check (reason ~ '^[a-z][a-z_]{0,39}$'), -- a short code, e.g. 'invalid_id'
  raw text not null,                           -- the item as JSON, cut to a bounded length; never a secret
  raw_truncated boolean not null,
  fingerprint text not null unique             -- hex SHA-256 of source, reason and item: a redelivery adds no row
);
create index quarantine_source on quarantine (source, id desc);
create index quarantine_reason on quarantine (reason, id desc);
