import { useEffect, useState } from "react";

import { ConnectBar } from "./components/ConnectBar.js";
import { useServices } from "./hooks/services.js";
import { useOutbox } from "./hooks/useOutbox.js";
import { ApplaudPage } from "./pages/ApplaudPage.js";
import { CreatorPage } from "./pages/CreatorPage.js";
import { ReaderPage } from "./pages/ReaderPage.js";
import { StatusPage } from "./pages/StatusPage.js";
import { TipPage, tipCreatorOf } from "./pages/TipPage.js";

const ROUTES = { reader: "Reader", applaud: "Applaud a page", creator: "Creator", status: "Status" } as const;
/** The pages of the navigation, and the tip page (`#/tip/<address>`), which is opened by a link only. */
type Route = keyof typeof ROUTES | "tip";

function routeOf(hash: string): Route {
  if (tipCreatorOf(hash) !== undefined) return "tip";
  // A route may carry a query (`#/applaud?url=…`).
  const name = hash.replace(/^#\/?/, "").split("?")[0];
  return name === "creator" || name === "status" || name === "applaud" ? name : "reader";
}

export function App() {
  // The hash itself, not only its route: `#/tip/<a>` to `#/tip/<b>` is the same route for another creator.
  const [hash, setHash] = useState(() => location.hash);
  const route = routeOf(hash);
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
          {(Object.keys(ROUTES) as (keyof typeof ROUTES)[]).map((r) => (
            <a key={r} href={`#/${r}`} aria-current={route === r ? "page" : undefined}>
              {ROUTES[r]}
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
        {route === "reader" && <ReaderPage outbox={outbox} />}
        {route === "applaud" && <ApplaudPage key={hash} />}
        {route === "creator" && <CreatorPage />}
        {route === "status" && <StatusPage />}
        {route === "tip" && <TipPage key={hash} creator={tipCreatorOf(hash) ?? null} />}
      </main>
    </>
  );
}
