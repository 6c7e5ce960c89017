/**
 * Ponder builds the indexer with Vite (its own Vite 5, which reads this file from the indexer's root).
 * Resolve workspace packages to their TypeScript source, as every other tool here does (see
 * protocol/package.json "exports" and the root .npmrc): protocol's dist/ is never needed.
 */
const SOURCE_CONDITION = "@plaudit/source";

export default {
  resolve: { conditions: [SOURCE_CONDITION] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION], externalConditions: [SOURCE_CONDITION] } },
};
