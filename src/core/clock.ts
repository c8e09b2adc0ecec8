/** A source of the current time, injected so that tests can move time without sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}
