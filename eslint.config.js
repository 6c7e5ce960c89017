import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Which way imports may point. The protocol package is imported by name (`@plaudit/protocol`), never by
 * path; it imports nothing of the repository. The keeper and the dApp import neither each other nor
 * scripts or tests; scripts never reach into the dApp. Tests may import anything.
 */
const byName = { group: ["**/protocol/src", "**/protocol/src/**"], message: "import @plaudit/protocol by name" };
const outOf = (...dirs) =>
  dirs.map((dir) => ({ group: [`**/${dir}`, `**/${dir}/**`], message: `this code must not depend on ${dir}/` }));
const importDirection = (...patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "coverage/",
      "types/",
      "**/dist/",
      "**/generated/",
      "indexer/.ponder/",
      "indexer/ponder-env.d.ts",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // TypeScript checks names; for the few plain .mjs files Node is the environment.
      "no-undef": "off",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["protocol/src/**/*.ts"],
    rules: importDirection({ group: ["../**"], message: "the protocol package stands alone" }),
  },
  { files: ["keeper/**/*.ts"], rules: importDirection(byName, ...outOf("app", "scripts", "test")) },
  { files: ["indexer/**/*.ts"], rules: importDirection(byName, ...outOf("app", "keeper", "scripts", "test")) },
  { files: ["app/**/*.{ts,tsx}"], rules: importDirection(byName, ...outOf("keeper", "scripts", "test", "ignition")) },
  {
    files: ["scripts/**/*.ts", "ignition/**/*.ts"],
    rules: importDirection(byName, ...outOf("app/src")),
  },
  { files: ["test/**/*.ts", "e2e/**/*.ts"], rules: importDirection(byName) },
);
