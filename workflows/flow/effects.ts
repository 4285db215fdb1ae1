import type { OutboundContent } from '../types';

/** A side effect the flow asks for; the workflow carries it out through activities. */
export type Effect = { type: 'send'; content: OutboundContent };
