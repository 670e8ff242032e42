/**
 * Where the optional JSON config file is (deep-merged onto the defaults by ./load). Its own
 * module, free of zod and the schema, so a script's `--help` can name it without loading them.
 */
export const CONFIG_FILE_ENV = 'VN_CONFIG';
export const DEFAULT_CONFIG_FILE = 'venture-nudge.config.json';
