// Ids the flow makes (references, chat session keys, timer tokens), derived from what caused them.

/** 64-bit FNV-1a of a string. */
export function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const char of text) hash = BigInt.asUintN(64, (hash ^ BigInt(char.codePointAt(0)!)) * 0x100000001b3n);
  return hash;
}

/**
 * The `n`th id an event makes, from the event's cause (the wamid of a message, the request id of an
 * agent command, the token of a timer, the reference of a payment, or the run a restore began): the
 * same on every replay and retry, and never the same for two causes, whichever run handles them. A
 * per-run counter repeats itself once a run is lost or reset. Eight base-36 characters: 41 bits.
 */
export function idFromCause(cause: string, n: number): string {
  return fnv1a64(`${cause}#${n}`).toString(36).toUpperCase().padStart(13, '0').slice(-8);
}

/** The cause of the step an inbound message makes, as the workflow names it. */
export function inboundCause(waMessageId: string): string {
  return `in/${waMessageId}`;
}
