-- Homework, payments and the media students send, and what chat sessions need from the flow.

-- Photos and files downloaded from WhatsApp (its media URLs expire), kept so an admin can fetch them.
create table media (
  id bigserial primary key,
  wa_media_id text not null unique,
  mime_type text not null,
  sha256 text,
  size_bytes integer not null,
  data bytea not null,
  created_at timestamptz not null default now()
);

create table homework (
  id bigserial primary key,
  reference text not null unique,
  phone text not null,
  subject text not null,
  kind text not null check (kind in ('text', 'image')),
  text_body text,
  media_id bigint references media (id),
  caption text,
  submitted_at timestamptz not null default now(),
  check ((kind = 'text' and text_body is not null) or (kind = 'image' and media_id is not null))
);
create index homework_phone on homework (phone, id);

create table payments (
  id bigserial primary key,
  reference text not null unique,
  phone text not null,
  plan_name text not null,
  amount integer not null check (amount > 0),   -- smallest currency unit (kobo, cents)
  status text not null check (status in ('pending', 'confirmed', 'expired')),
  created_at timestamptz not null default now(),
  confirmed_at timestamptz,
  expired_at timestamptz,
  active_until timestamptz
);
create index payments_phone on payments (phone, id);

alter table users add column subscription_active_until timestamptz;

-- The flow names each chat session; the key makes opening and closing it idempotent.
alter table chat_sessions add column session_key text unique;
