// How to rerun a stored test: the `faultline run` command line with a flag for every setting a
// flag can carry (defaults left out), the settings no flag carries, and the whole test as a YAML
// test file (which reproduces everything). Derived from the flags' declarations and the loader:
// a flag is added where the test differs from what the flags so far would load.
import { CONFIG_FLAGS, type ConfigFlag, flagName, flagText } from "../config/config-flags.js";
import { loadTestConfig } from "../config/load-test-config.js";
import type { TestConfig } from "../config/test-config.js";
import { testYaml } from "../config/test-file.js";

export interface Reproduce {
  /** `faultline run --build … --seed N`: the flags for every non-default setting they can carry. */
  command: string;
  /** Settings that differ from their defaults and have no flag (then use `testFile`). */
  uncovered: string[];
  /** The whole test as a test file (YAML): `faultline run this.yaml` reruns it exactly. */
  testFile: string;
}

const SAFE_WORD = /^[\w.,/:=@%+-]+$/;

/** A word for a POSIX shell: as is when it is plain, else single-quoted. */
export function shellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const segment of path) value = (value as Record<string, unknown> | undefined)?.[segment];
  return value;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Loads the flags as `faultline run` would; undefined when they do not load together. */
function load(flags: ReadonlyMap<ConfigFlag, string>): TestConfig | undefined {
  try {
    return loadTestConfig({ flags, env: {} });
  } catch {
    return undefined;
  }
}

export function reproduceCommand(test: TestConfig): Reproduce {
  const seed = CONFIG_FLAGS.find((f) => f.path.join(".") === "seed")!;
  const flags = new Map<ConfigFlag, string>([[seed, String(test.seed)]]);
  // One flag at a time, the first that differs: later defaults depend on earlier flags (w on
  // nodes), so a flag that would only repeat its default is never added.
  for (;;) {
    const loaded = load(flags);
    const next = CONFIG_FLAGS.find((flag) => {
      const wanted = valueAt(test, flag.path);
      return !flags.has(flag) && wanted !== undefined && !same(wanted, valueAt(loaded, flag.path));
    });
    if (next === undefined) break;
    flags.set(next, flagText(next, valueAt(test, next.path)));
  }
  const loaded = load(flags);
  const ordered = CONFIG_FLAGS.filter((flag) => flags.has(flag) && flag !== seed);
  const command = [
    "faultline run",
    ...[...ordered, seed].map((flag) => `${flagName(flag)} ${shellWord(flags.get(flag)!)}`),
  ].join(" ");
  return { command, uncovered: differences(test, loaded), testFile: testYaml(test) };
}

/** Every setting where the flags' test differs from the stored one (all of it when they do not
 * load), so a setting added later is caught without a change here. */
function differences(test: TestConfig, loaded: TestConfig | undefined): string[] {
  if (loaded === undefined) return ["the flags alone cannot express this test"];
  const found: string[] = [];
  const compare = (path: string, stored: unknown, fromFlags: unknown) => {
    if (typeof stored === "object" && stored !== null && !Array.isArray(stored)) {
      for (const [field, value] of Object.entries(stored)) {
        const inner = (fromFlags as Record<string, unknown> | undefined)?.[field];
        compare(path === "" ? field : `${path}.${field}`, value, inner);
      }
    } else if (!same(stored, fromFlags)) {
      found.push(`${path}: ${JSON.stringify(stored)}`);
    }
  };
  compare("", test, loaded);
  return found;
}
