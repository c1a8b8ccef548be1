/** Why the service cannot use its database: one line naming the file and the cause, printed by main. */
export class DatabaseStartError extends Error {
  override readonly name = 'DatabaseStartError';

  constructor(
    readonly path: string,
    cause: string,
  ) {
    super(`database ${path}: ${cause}`);
  }
}
