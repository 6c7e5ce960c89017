/** Boots the dApp: loads and validates /plaudit.json, then renders with wagmi for that chain. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";

import { App } from "./App.js";
import { loadDeployment } from "./config/deployment.js";
import { wagmiConfigFor } from "./config/wagmi.js";
import { ServicesProvider } from "./hooks/services.js";
import { applaudRoute, sharedPageUrl } from "./lib/discoverPage.js";

// Shared to Plaudit (manifest.webmanifest's share_target: `./?title=&text=&url=`): the Applaud page with
// the shared page filled in, and the query dropped so a reload does not share it again.
const shareQuery = new URLSearchParams(location.search);
if (shareQuery.has("url") || shareQuery.has("text") || shareQuery.has("title")) {
  history.replaceState(null, "", `${location.pathname}${applaudRoute(sharedPageUrl(location.search))}`);
}

const container = document.getElementById("root");
if (container === null) throw new Error("no #root element");
const root = createRoot(container);

loadDeployment()
  .then((deployment) => {
    const wagmiConfig = wagmiConfigFor(deployment);
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: true } } });
    root.render(
      <StrictMode>
        <WagmiProvider config={wagmiConfig}>
          <QueryClientProvider client={queryClient}>
            <ServicesProvider deployment={deployment}>
              <App />
            </ServicesProvider>
          </QueryClientProvider>
        </WagmiProvider>
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(
      <main>
        <h1>Plaudit cannot start</h1>
        <p className="banner error" role="alert">
          {error instanceof Error ? error.message : String(error)}
        </p>
        <p className="note">The deployment writes plaudit.json next to these pages; ask the operator to check it.</p>
      </main>,
    );
  });
