/**
 * Writes docs/schemas/plaudit-wire.schema.json from @plaudit/protocol's zod schemas (`npm run generate`).
 * A test fails when the committed file is stale.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { wireJsonSchema } from "@plaudit/protocol";

export const WIRE_SCHEMA_PATH = join(
  fileURLToPath(new URL("..", import.meta.url)),
  "docs/schemas/plaudit-wire.schema.json",
);

export function renderWireSchema(): string {
  return `${JSON.stringify(wireJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await mkdir(dirname(WIRE_SCHEMA_PATH), { recursive: true });
  await writeFile(WIRE_SCHEMA_PATH, renderWireSchema());
  console.log(`wrote ${WIRE_SCHEMA_PATH}`);
}
