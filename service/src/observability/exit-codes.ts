/** Exit codes of every CLI command: 0 all good; 1 something could not be planned, applied or created; 2 invalid configuration or definitions. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;
