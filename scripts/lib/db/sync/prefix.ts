/**
 * The default prefix of db:sync's replication objects (<prefix>_pub, _slot, _sub). Its own module
 * so db:sync's `--help` prints it without loading the sync engine.
 */
export const DEFAULT_PREFIX = 'vn_sync';
