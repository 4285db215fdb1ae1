import { z } from 'zod';
import { WhatsAppApiError, isRetryableCode, isRetryableHttpStatus } from './errors';
import { MediaHttpError } from './media-transfer';

// How the Graph client reads Graph's answers: a 2xx as it is, anything else as the WhatsAppApiError
// its Graph error body (if any) names, with the `retryable` flag that feeds the activity retry policy.

/** A 2xx answer: its status and its body's bytes. */
export interface GraphAnswer {
  status: number;
  bytes: Buffer;
}

const GraphErrorBody = z.object({
  error: z.object({
    code: z.number().int(),
    message: z.string().optional(),
    type: z.string().optional(),
    error_data: z.object({ details: z.string().optional() }).partial().optional().catch(undefined),
    fbtrace_id: z.string().optional(),
  }),
});
type GraphErrorBody = z.infer<typeof GraphErrorBody>;

/** A 2xx answer as it is; any other as the classified error its Graph error body (if any) names. */
export function answered(what: string, status: number, bytes: Buffer): GraphAnswer {
  if (status >= 200 && status < 300) return { status, bytes };
  const graphError = parseGraphError(bytes);
  if (graphError !== undefined) throw toApiError(what, status, graphError);
  throw new WhatsAppApiError(`WhatsApp ${what} failed: HTTP ${status} without a Graph error body`, {
    status,
    retryable: isRetryableHttpStatus(status),
  });
}

/** A transfer's failure as a WhatsAppApiError: refusals and classified errors as they are. */
export function transferError(what: string, err: unknown): WhatsAppApiError {
  if (err instanceof WhatsAppApiError) return err;
  if (err instanceof MediaHttpError) {
    try {
      answered(what, err.status, err.body);
    } catch (classified) {
      return classified as WhatsAppApiError;
    }
  }
  return new WhatsAppApiError(`WhatsApp ${what} failed: network error`, { retryable: true, cause: err });
}

/** Parsed JSON, or undefined for an empty or non-JSON answer (the zod checks then reject it). */
export function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function parseGraphError(bytes: Buffer): GraphErrorBody | undefined {
  const parsed = GraphErrorBody.safeParse(parseJson(bytes));
  return parsed.success ? parsed.data : undefined;
}

function toApiError(what: string, status: number, body: GraphErrorBody): WhatsAppApiError {
  const { code, message, error_data: data, fbtrace_id: fbtraceId } = body.error;
  // Graph's message is "(#code) title"; keep the title alone.
  const title = message?.replace(/^\(#\d+\)\s*/, '');
  return new WhatsAppApiError(`WhatsApp ${what} failed: Graph error ${code}${title ? ` (${title})` : ''}`, {
    status,
    code,
    retryable: isRetryableCode(code),
    ...(title === undefined ? {} : { title }),
    ...(data?.details === undefined ? {} : { details: data.details }),
    ...(fbtraceId === undefined ? {} : { fbtraceId }),
  });
}
