/** Limits for one terraform command (the provider retries HTTP 500s for a long time). Its own module: `rehearse --help` prints it without loading the rehearsal. */
export const DEFAULT_PHASE_TIMEOUT_SECONDS = 900;
