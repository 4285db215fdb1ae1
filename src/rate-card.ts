import { z } from 'zod';

// What WhatsApp bills, estimated (SPEC §7.7): WHATSAPP_RATE_CARD prices each pricing category of the
// statuses' `pricing` object, `{ "currency": "USD", "marketing": 0.025, "utility": 0.004, … }`. The
// counts come from Postgres (src/db/reports.ts); this module only names categories and multiplies.

/** A price per billable message of each category, in one currency. */
export interface RateCard {
  currency: string;
  /** Keyed by the category's normalised name (`categoryKey`). */
  prices: Record<string, number>;
}

/** Meta writes `authentication-international` in pricing but `authentication_international` elsewhere: one key. */
export function categoryKey(category: string): string {
  return category.trim().toLowerCase().replace(/-/g, '_');
}

const CATEGORY = /^[a-z][a-z0-9_-]{0,63}$/i;

const RateCardJson = z
  .record(z.string(), z.unknown())
  .superRefine((entries, ctx) => {
    const currency = entries.currency;
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
      ctx.addIssue({ code: 'custom', message: 'needs "currency", a three-letter code such as "USD"' });
    }
    const categories = Object.keys(entries).filter((key) => key !== 'currency');
    if (categories.length === 0) ctx.addIssue({ code: 'custom', message: 'prices no category' });
    for (const key of categories) {
      const price = entries[key];
      if (!CATEGORY.test(key)) ctx.addIssue({ code: 'custom', message: `"${key}" is not a pricing category name` });
      else if (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || price > 1000) {
        ctx.addIssue({ code: 'custom', message: `the price of "${key}" must be a number from 0 to 1000` });
      }
    }
  })
  .transform((entries): RateCard => ({
    currency: entries.currency as string,
    prices: Object.fromEntries(
      Object.entries(entries)
        .filter(([key]) => key !== 'currency')
        .map(([key, price]) => [categoryKey(key), price as number]),
    ),
  }));

/** WHATSAPP_RATE_CARD's text to a rate card, or the reason it is not one. */
export function parseRateCard(text: string): RateCard | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'must be JSON such as {"currency":"USD","marketing":0.025,"utility":0.004}';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return 'must be a JSON object such as {"currency":"USD","marketing":0.025}';
  }
  const parsed = RateCardJson.safeParse(json);
  return parsed.success ? parsed.data : parsed.error.issues.map((issue) => issue.message).join('; ');
}

/** An estimated cost: the total, each priced category's share, and how many billable messages had no price. */
export interface EstimatedCost {
  currency: string;
  total: number;
  byCategory: Record<string, number>;
  unpricedMessages: number;
}

/** Billable message counts by category (normalised keys) priced by the card; amounts rounded to 1e-6. */
export function estimateCost(billable: Record<string, number>, card: RateCard): EstimatedCost {
  const byCategory: Record<string, number> = {};
  let total = 0;
  let unpricedMessages = 0;
  for (const [category, count] of Object.entries(billable)) {
    const price = card.prices[categoryKey(category)];
    if (price === undefined) {
      unpricedMessages += count;
      continue;
    }
    byCategory[category] = roundAmount(count * price);
    total += count * price;
  }
  return { currency: card.currency, total: roundAmount(total), byCategory, unpricedMessages };
}

/** Money to six decimals: prices are fractions of a cent, and a float sum must not show 0.30000000000000004. */
export function roundAmount(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}
