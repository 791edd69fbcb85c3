/**
 * What every command carries besides its data (emmett style): the clock and
 * the actor arrive here and `decide` never reads a clock itself.
 */
export interface CommandMetadata {
  /** RFC 3339 time of the command, e.g. "2024-05-01T12:00:00Z". */
  now: string;
  actor: string | null;
}

export interface Command<T extends string, D> {
  type: T;
  data: D;
  metadata: CommandMetadata;
}
