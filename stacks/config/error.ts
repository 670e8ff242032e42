/** The one error an invalid config raises: one line per problem, `<field path>: <what is wrong and what is allowed>`. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
