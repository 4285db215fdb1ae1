// The types of /console/facts.js, the module the server writes from its own constants
// (src/server/routes/console-facts.ts): `import { STATE_NAMES } from './facts.js'` in the console's
// modules resolves here for the type check.

import type { CONSOLE_FACTS } from '../server/routes/console-facts';

type Facts = typeof CONSOLE_FACTS;

export declare const STATE_NAMES: Facts['STATE_NAMES'];
export declare const SERVICE_WINDOW_MS: Facts['SERVICE_WINDOW_MS'];
export declare const TYPING_INTERVAL_MS: Facts['TYPING_INTERVAL_MS'];
export declare const PRIORITIES: Facts['PRIORITIES'];
export declare const WEEKDAYS: Facts['WEEKDAYS'];
export declare const CAMPAIGN_STATUSES: Facts['CAMPAIGN_STATUSES'];
export declare const RECIPIENT_STATUSES: Facts['RECIPIENT_STATUSES'];
