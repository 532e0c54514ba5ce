// Errors the CLI turns into a message and an exit code (Jepsen's): never a stack trace.

export const EXIT = { valid: 0, invalid: 1, unknown: 2, badInput: 254, internal: 255 } as const;

/** The exit code of a verdict (`run` and `check` alike): 0 valid, 1 invalid, 2 unknown. */
export function verdictExitCode(valid: unknown): number {
  return valid === true ? EXIT.valid : valid === false ? EXIT.invalid : EXIT.unknown;
}

/** Bad arguments, a bad config or unreadable input: exit 254 with `message`, which names the
 * field or file, the value, and what is allowed. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode = EXIT.badInput;
}
