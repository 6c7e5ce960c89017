/**
 * The dApp's build: three pages from one origin. index.html is the dApp, button.html the embeddable
 * button (an iframe), click.html the small first-party pop-up that signs a click. The protocol package
 * (../protocol/src) is imported as source, never copied.
 */
import { fileURLToPath } from "node:url";

import react from "@vitejs/plugin-react";
import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

/** Resolve workspace packages to their TypeScript source (see protocol/package.json "exports"). */
const SOURCE_CONDITION = "@plaudit/source";

const appRoot = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root: appRoot,
  base: "./",
  plugins: [react()],
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  server: { fs: { allow: [repoRoot] } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rolldownOptions: {
      input: {
        index: `${appRoot}index.html`,
        button: `${appRoot}button.html`,
        click: `${appRoot}click.html`,
      },
    },
  },
  test: {
    root: appRoot,
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
  },
});
