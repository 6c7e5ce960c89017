/** The one TypeScript source of Plaudit's ABIs, EIP-712 types, limits and wire schemas. */
export * from "./generated/abis.js";
export * from "./batch.js";
export * from "./eip712.js";
export * from "./epochs.js";
export * from "./limits.js";
export * from "./permit.js";
export * from "./schemas.js";
export * from "./split.js";
export * from "./tally.js";
export * from "./snippet.js";
export * from "./keeper-api.js";
export * from "./keeper-client.js";
export * from "./indexer-api.js";
export * from "./live-refresh.js";
export * from "./selection.js";
export * from "./json-schema.js";
