import net from 'node:net';
import { z } from 'zod';
import { parseDuration } from '../duration';

// The readers the environment's schema (config/schema.ts) is built from: each turns one variable's
// text into a value or an issue naming what was expected, and the error loadConfig throws.

/** Thrown when the environment does not describe a runnable product; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Unset and blank are the same: undefined. Otherwise the value, trimmed. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A duration such as 500ms, 30s, 15m or 1h, in ms. */
export const duration = (fallback: string): z.ZodPipe<z.ZodDefault<z.ZodString>, z.ZodTransform<number, string>> =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 500ms, 30s, 15m or 1h` });
        return z.NEVER;
      }
      return ms;
    });

export const port = (fallback: number): z.ZodDefault<z.ZodCoercedNumber> =>
  z.coerce.number().int().min(1).max(65535).default(fallback);

export const postgresUrl = optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
  message: 'must be a postgres:// connection string',
});

const HOST_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i;

export const host = optionalString.refine((v) => v === undefined || net.isIP(v) !== 0 || HOST_NAME.test(v), {
  message: 'must be an IP address or a host name',
});

/** How long a kind of data is kept, in ms; unset: for ever. */
export const retention = optionalString.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 30d or 12h` });
    return z.NEVER;
  }
  return ms;
});

/** An optional value read by `parse`, whose string answer is the issue's message. */
export const parsedBy = <T>(
  parse: (value: string) => T | string,
): z.ZodPipe<typeof optionalString, z.ZodTransform<T | undefined, string | undefined>> =>
  optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const parsed = parse(value);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });
