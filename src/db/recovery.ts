import type { Queryable } from './queryable';
import { EXPIRED_PAYMENTS_KEPT, type StoredConversation } from '../../domain/types';
import type { Priority } from '../../domain/support-policy';

// What Postgres knows about one conversation, for a workflow run that starts without the state of an
// earlier run (the first run of a number, or one after an operator terminated or reset it).

interface Row {
  known: boolean;
  last_inbound_at: Date | null;
  full_name: string | null;
  email: string | null;
  class_name: string | null;
  registered_at: Date | null;
  subscription_active_until: Date | null;
  homework_count: string;
  chat_session_key: string | null;
  chat_started_by: string | null;
  chat_started_at: Date | null;
  chat_agent_replied: boolean | null;
  chat_available_at: Date | null;
  chat_sla_first_response: 'met' | 'breached' | null;
  chat_sla_resolution: 'met' | 'breached' | null;
  chat_escalated: boolean | null;
  priority: Priority | null;
  payment_reference: string | null;
  payment_amount: number | null;
  payment_created_at: Date | null;
  expired_payments: string[];
  campaign_opted_out_at: Date | null;
}

/** One statement; every part is read through an index on the contact. Undefined for a contact never seen. */
export async function loadStoredConversation(
  db: Queryable,
  contactId: string,
): Promise<StoredConversation | undefined> {
  const { rows } = await db.query<Row>(
    `select c.contact_id is not null as known, c.last_inbound_at, c.campaign_opted_out_at,
            u.full_name, u.email, u.class_name, u.registered_at, u.subscription_active_until,
            (select count(*) from homework h where h.contact_id = $1) as homework_count,
            s.session_key as chat_session_key, s.started_by as chat_started_by, s.started_at as chat_started_at,
            s.first_agent_reply_at is not null as chat_agent_replied,
            s.available_at as chat_available_at, s.sla_first_response as chat_sla_first_response,
            s.sla_resolution as chat_sla_resolution, s.escalated_at is not null as chat_escalated, c.priority,
            p.reference as payment_reference, p.amount as payment_amount, p.created_at as payment_created_at,
            array(select reference from (
              select id, reference from payments where contact_id = $1 and status = 'expired' order by id desc limit $2
            ) e order by id) as expired_payments
     from (select $1::text as contact_id) n
     left join conversations c on c.contact_id = n.contact_id
     left join users u on u.contact_id = n.contact_id
     left join chat_sessions s on s.contact_id = n.contact_id and s.ended_at is null and s.session_key is not null
     left join lateral (
       select reference, amount, created_at from payments
       where contact_id = n.contact_id and status = 'pending' order by id desc limit 1
     ) p on true`,
    [contactId, EXPIRED_PAYMENTS_KEPT],
  );
  const row = rows[0]!;
  const registered = row.registered_at !== null && row.full_name !== null;
  if (!row.known && !registered) return undefined;
  return {
    ...(row.last_inbound_at ? { lastInboundAt: row.last_inbound_at.getTime() } : {}),
    ...(registered
      ? { profile: { fullName: row.full_name!, email: row.email ?? '', className: row.class_name ?? '' } }
      : {}),
    ...(row.subscription_active_until ? { subscriptionActiveUntil: row.subscription_active_until.getTime() } : {}),
    homeworkCount: Number(row.homework_count),
    ...(row.chat_session_key !== null
      ? {
          openChat: {
            sessionKey: row.chat_session_key,
            startedBy: row.chat_started_by!,
            startedAt: row.chat_started_at!.getTime(),
            agentReplied: row.chat_agent_replied === true,
            ...(row.chat_available_at ? { availableAt: row.chat_available_at.getTime() } : {}),
            ...(row.chat_sla_first_response ? { slaFirstResponse: row.chat_sla_first_response } : {}),
            ...(row.chat_sla_resolution ? { slaResolution: row.chat_sla_resolution } : {}),
            ...(row.chat_escalated === true ? { escalated: true } : {}),
          },
        }
      : {}),
    ...(row.priority !== null && row.priority !== 'normal' ? { priority: row.priority } : {}),
    ...(row.payment_reference !== null
      ? {
          pendingPayment: {
            reference: row.payment_reference,
            amount: row.payment_amount!,
            createdAt: row.payment_created_at!.getTime(),
          },
        }
      : {}),
    ...(row.expired_payments.length > 0 ? { expiredPayments: row.expired_payments } : {}),
    ...(row.campaign_opted_out_at ? { campaignOptedOutAt: row.campaign_opted_out_at.getTime() } : {}),
  };
}
