// Which PostgreSQL the trends go to: the --db flag, else FAULTLINE_DATABASE_URL, else none (the
// file store alone, the default). The environment is read here and nowhere else in trends. A URL
// that is not postgres:// or postgresql:// is a usage error (exit 254) naming where it came from.
import { UsageError } from "../cli-error.js";

export function databaseUrl(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const [url, from] =
    flag !== undefined ? [flag, "--db"] : [env.FAULTLINE_DATABASE_URL, "FAULTLINE_DATABASE_URL"];
  if (url === undefined || url.trim() === "") return undefined;
  if (!/^postgres(ql)?:\/\//.test(url.trim())) {
    throw new UsageError(
      `${from} ${JSON.stringify(redacted(url))} is not a PostgreSQL URL (expected postgres://user@host:port/database)`,
    );
  }
  return url.trim();
}

/** The URL with any password replaced, for messages and logs. */
export function redacted(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*):[^@]*@/, "$1:***@");
}
