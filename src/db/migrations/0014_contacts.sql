-- A student is a contact, not a phone number. Meta shows a user by a phone number, a business-scoped
-- user id (BSUID), a parent BSUID, or several of them at once, and may leave the phone out entirely;
-- every row about a student is therefore keyed by an opaque contact id that holds no phone number,
-- and the identifiers live in contact_identities, any one of which finds the contact.

create table contacts (
  id text primary key check (id ~ '^ct_[0-9a-f]{20}$'),
  -- Where replies go and what the console shows: the latest of each that Meta reported. A reply goes
  -- `to` the phone when there is one, otherwise to the BSUID as `recipient`.
  phone text,                                  -- digits only; null while Meta withholds it
  bsuid text,
  parent_bsuid text,
  username text,                               -- display only: the user may change it at any time
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index contacts_username on contacts (lower(username) text_pattern_ops) where username is not null;

-- Every identifier Meta has shown for a contact: any of them finds it. A phone number or BSUID a student
-- left (user_changed_number, user_changed_user_id) stays as an alias, so a late or redelivered webhook
-- that still names it reaches the same conversation.
create table contact_identities (
  kind text not null check (kind in ('phone', 'bsuid', 'parent_bsuid')),
  value text not null,
  contact_id text not null references contacts (id),
  linked_at timestamptz not null default now(),
  -- Set once the contact moved to another value of this kind: the identifier still finds the contact,
  -- but a late webhook that names it never makes it current again (replies would go to an old number).
  superseded_at timestamptz,
  primary key (kind, value)
);
create index contact_identities_contact on contact_identities (contact_id);
-- Search by a number's first or last digits (src/db/search.ts), as conversations.phone had.
create index contact_identities_prefix on contact_identities (value text_pattern_ops);
create index contact_identities_suffix on contact_identities (reverse(value) text_pattern_ops);

-- Every phone number seen before becomes a contact of its own, and every row moves to its id.
create temporary table phone_contacts on commit drop as
  select phone, 'ct_' || substr(md5(gen_random_uuid()::text), 1, 20) as id
  from (
    select phone from users union select phone from conversations union select phone from messages
    union select phone from chat_sessions union select phone from homework union select phone from payments
    union select phone from notes union select phone from chat_holder_changes
    union select phone from audit_log where phone is not null
    union select phone from events where phone is not null
    union select phone from quarantine where phone is not null
  ) seen;
insert into contacts (id, phone) select id, phone from phone_contacts;
insert into contact_identities (kind, value, contact_id) select 'phone', phone, id from phone_contacts;

alter table notes drop constraint notes_phone_fkey;
update users t set phone = c.id from phone_contacts c where t.phone = c.phone;
update conversations t set phone = c.id from phone_contacts c where t.phone = c.phone;
update messages t set phone = c.id from phone_contacts c where t.phone = c.phone;
update chat_sessions t set phone = c.id from phone_contacts c where t.phone = c.phone;
update homework t set phone = c.id from phone_contacts c where t.phone = c.phone;
update payments t set phone = c.id from phone_contacts c where t.phone = c.phone;
update notes t set phone = c.id from phone_contacts c where t.phone = c.phone;
update chat_holder_changes t set phone = c.id from phone_contacts c where t.phone = c.phone;
update audit_log t set phone = c.id from phone_contacts c where t.phone = c.phone;
update events t set phone = c.id from phone_contacts c where t.phone = c.phone;
update quarantine t set phone = c.id from phone_contacts c where t.phone = c.phone;

alter table users rename column phone to contact_id;
alter table conversations rename column phone to contact_id;
alter table messages rename column phone to contact_id;
alter table chat_sessions rename column phone to contact_id;
alter table homework rename column phone to contact_id;
alter table payments rename column phone to contact_id;
alter table notes rename column phone to contact_id;
alter table chat_holder_changes rename column phone to contact_id;
alter table audit_log rename column phone to contact_id;
alter table events rename column phone to contact_id;
alter table quarantine rename column phone to contact_id;
alter table notes add constraint notes_contact_id_fkey foreign key (contact_id) references conversations (contact_id);

alter index messages_phone_id rename to messages_contact_id;
alter index homework_phone rename to homework_contact_id;
alter index payments_phone rename to payments_contact_id;
alter index audit_log_phone rename to audit_log_contact_id;
alter index quarantine_phone rename to quarantine_contact_id;
alter index notes_phone rename to notes_contact_id;
alter index chat_holder_changes_phone rename to chat_holder_changes_contact_id;
drop index conversations_phone_prefix;
drop index conversations_phone_suffix;

-- What WhatsApp bills (statuses' `pricing`) and whom a status named, on the outbound message.
alter table messages add column pricing jsonb;
alter table messages add column recipient_user_id text;
alter table messages add column recipient_parent_user_id text;

-- Messages the business sent from the WhatsApp Business app on the same number (message echoes).
alter table messages drop constraint messages_sender_check;
alter table messages add constraint messages_sender_check check (sender in ('user', 'bot', 'agent', 'business_app'));
