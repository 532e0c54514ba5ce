// The shrunk test as a test file: the whole resolved test (test-file.ts), its script with one op
// and one fault a line, under a header that says where it came from and what it shows; kept in
// the store beside its runs (<store>/<test-name>/test.yaml), without the store key, so it runs
// wherever it is copied. Loading it back gives the test that was shrunk.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Document, isMap, isSeq } from "yaml";
import type { TestConfig } from "../config/test-config.js";
import { toTestFile } from "../config/test-file.js";
import { storedTestPath } from "../store/run-store.js";

/** The file's text: `header` lines as comments, then the test. */
export function shrunkTestYaml(test: TestConfig, header: readonly string[]): string {
  const { store: _store, ...file } = toTestFile(test);
  const doc = new Document(file);
  const ops = doc.getIn(["script", "ops"], true);
  for (const thread of isSeq(ops) ? ops.items : []) {
    for (const op of isSeq(thread) ? thread.items : []) if (isMap(op)) op.flow = true;
  }
  const faults = doc.getIn(["script", "faults"], true);
  for (const fault of isSeq(faults) ? faults.items : []) if (isMap(fault)) fault.flow = true;
  const comments = header.map((line) => `# ${line}`).join("\n");
  return `${comments}\n${doc.toString({ lineWidth: 0 })}`;
}

/** Writes the file into the store; returns its path. */
export function writeShrunkTest(test: TestConfig, header: readonly string[]): string {
  const path = storedTestPath(test.store, test.name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, shrunkTestYaml(test, header));
  return path;
}
