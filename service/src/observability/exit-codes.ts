/**
 * Exit codes of every CLI command: 0 all good; 1 something could not be planned, applied or created; 2 invalid
 * configuration or definitions; 3 nothing was wrong but an API was unreachable, timing out or answering 5xx after the
 * retries (an outage: a later run will do it), which `apply --tolerate-outage` turns into 0 with a loud line.
 */
export const EXIT = { ok: 0, failed: 1, invalid: 2, unavailable: 3 } as const;
