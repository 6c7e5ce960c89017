import { useEffect, useState } from "react";

import { ConnectBar } from "./components/ConnectBar.js";
import { useServices } from "./hooks/services.js";
import { useOutbox } from "./hooks/useOutbox.js";
import { NAV_PAGES, parseRoute, type NavPage, type Route } from "./lib/routes.js";
import { ApplaudPage } from "./pages/ApplaudPage.js";
import { CreatorPage } from "./pages/CreatorPage.js";
import { CreatorByNamePage, CreatorPublicPage } from "./pages/CreatorPublicPage.js";
import { PopularPage } from "./pages/PopularPage.js";
import { ReaderPage } from "./pages/ReaderPage.js";
import { StatusPage } from "./pages/StatusPage.js";
import { TipPage } from "./pages/TipPage.js";

export function App() {
  // The hash itself, not only its route: `#/tip/<a>` to `#/tip/<b>` is the same page for another creator.
  const [hash, setHash] = useState(() => location.hash);
  const route: Route = parseRoute(hash);
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const outbox = useOutbox();
  const { deployment } = useServices();
  return (
    <>
      <header>
        <nav aria-label="Plaudit pages">
          <strong style={{ marginRight: 16 }}>
            <span aria-hidden="true">👏</span> Plaudit
          </strong>
          {(Object.keys(NAV_PAGES) as NavPage[]).map((r) => (
            <a key={r} href={`#/${r}`} aria-current={route.page === r ? "page" : undefined}>
              {NAV_PAGES[r]}
            </a>
          ))}
        </nav>
        <ConnectBar />
      </header>
      <main>
        {deployment.keeperUrl === undefined && (
          <p className="banner warn">No keeper is configured: clicks stay in this browser until you settle yourself.</p>
        )}
        {outbox.waiting.length > 0 && (
          <p className="banner warn" role="status" data-testid="outbox-banner">
            {outbox.waiting.length} signed click{outbox.waiting.length === 1 ? "" : "s"} waiting for the keeper.{" "}
            {outbox.last?.lastError ?? ""}
          </p>
        )}
        {route.page === "reader" && <ReaderPage outbox={outbox} />}
        {route.page === "applaud" && <ApplaudPage key={hash} />}
        {route.page === "creator" && <CreatorPage />}
        {route.page === "popular" && <PopularPage />}
        {route.page === "status" && <StatusPage />}
        {route.page === "public" && <CreatorPublicPage key={route.creator} creator={route.creator} />}
        {route.page === "public-name" && <CreatorByNamePage key={route.name} name={route.name} />}
        {route.page === "tip" && <TipPage key={hash} creator={route.creator} />}
        {route.page === "public-invalid" && (
          <>
            <h1>Creator</h1>
            <p className="banner error" role="alert" data-testid="creator-route-invalid">
              “{route.text}” is neither an address (0x and 40 hexadecimal digits) nor an ENS name.
            </p>
          </>
        )}
      </main>
    </>
  );
}
