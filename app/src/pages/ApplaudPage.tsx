/**
 * "Applaud a page": any page's address (typed, or shared to the dApp through the Web Share Target),
 * its creator found by the keeper (`POST /v1/discover`), then applauded exactly like a button click: the
 * same click service (lib/clickService.ts: the reader's one-click key, the month by chain time, the
 * outbox, counted only once a keeper stored it) and the same outcome sentences (lib/clickFeedback.ts).
 * The page's title and everything the keeper says are shown as text.
 */
import { useEffect, useState, type FormEvent } from "react";
import { useConnection } from "wagmi";

import { useServices } from "../hooks/services.js";
import { useDiscover, type DiscoverState } from "../hooks/useDiscover.js";
import { browserEnv } from "../lib/browserEnv.js";
import { clickFeedback, type Feedback } from "../lib/clickFeedback.js";
import { clickItem } from "../lib/clickService.js";
import { checkPageUrl, prefilledUrl } from "../lib/discoverPage.js";
import { withTitle } from "../lib/item.js";

/** Where the keeper found the creator, in words (docs/keeper-api.md "Discovery"). */
const SOURCE_WORDS = {
  meta: "the page's plaudit:creator meta tag",
  link_payment: 'the page\'s <link rel="payment"> to a Plaudit creator page',
  funding_manifest: "the site's funding.json (FLOSS/fund)",
  drips_funding_json: "the site's Drips FUNDING.json",
} as const;

export function ApplaudPage() {
  const [typed, setTyped] = useState(() => prefilledUrl(location.hash));
  const [problem, setProblem] = useState<string | undefined>();
  const { state, lookUp, reset } = useDiscover();
  // A page shared to Plaudit (or a link to `#/applaud?url=…`) is looked up at once; applauding it still
  // takes the reader's own click.
  useEffect(() => {
    const checked = checkPageUrl(prefilledUrl(location.hash));
    if ("url" in checked) void lookUp(checked.url);
  }, [lookUp]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = checkPageUrl(typed);
    if ("problem" in checked) {
      setProblem(checked.problem);
      reset();
      return;
    }
    setProblem(undefined);
    void lookUp(checked.url);
  };

  return (
    <>
      <h1>Applaud a page</h1>
      <section aria-labelledby="applaud-find">
        <h2 id="applaud-find">Find the page&apos;s creator</h2>
        <p className="note">
          Any web page, with or without a Plaudit button: Plaudit&apos;s keeper reads it once and looks for its
          creator&apos;s address (a Plaudit meta tag or payment link, the site&apos;s funding.json, or a Drips
          FUNDING.json).
        </p>
        <form onSubmit={submit} className="row">
          <label>
            Page address
            <input
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              size={60}
              data-testid="applaud-url"
              type="url"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              placeholder="https://their.site/post"
              aria-invalid={problem === undefined ? undefined : true}
              aria-describedby="applaud-url-help"
            />
          </label>
          <button type="submit" disabled={state.kind === "pending"}>
            Find creator
          </button>
        </form>
        <p id="applaud-url-help" className={problem === undefined ? "note" : "error"} role="status">
          {problem ?? ""}
        </p>
        <DiscoveryView state={state} />
      </section>
    </>
  );
}

function DiscoveryView({ state }: { state: DiscoverState }) {
  switch (state.kind) {
    case "idle":
      return null;
    case "pending":
      return (
        <p className="note" role="status" data-testid="discover-state">
          Looking for the creator of {state.url}…
        </p>
      );
    case "none":
      return (
        <p className="error" role="status" data-testid="discover-state">
          No creator found on {state.url}: the page names no Plaudit creator, payment link or funding file.
        </p>
      );
    case "failed":
      return (
        <p className="error" role="alert" data-testid="discover-state">
          {state.sentence}
        </p>
      );
    case "found":
      return <FoundCreator found={state} />;
  }
}

function FoundCreator({ found }: { found: Extract<DiscoverState, { kind: "found" }> }) {
  const { address } = useConnection();
  const { deployment } = useServices();
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | undefined>();
  const item = withTitle({ creator: found.creator, url: found.url }, found.title);

  const applaud = async () => {
    setBusy(true);
    try {
      const { epoch: _epoch, reader: _reader, ...outcome } = await clickItem(browserEnv(deployment), item);
      setFeedback(clickFeedback(outcome));
    } catch {
      setFeedback(clickFeedback({ status: "error" }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="discover-state">
      <p className="ok" role="status">
        Creator found.
      </p>
      <dl>
        <dt>Page</dt>
        <dd data-testid="found-title">{item.title ?? "(no title)"}</dd>
        <dd className="note">{found.url}</dd>
        <dt>Creator</dt>
        <dd>
          <code data-testid="found-creator">{found.creator}</code> · <a href={`#/c/${found.creator}`}>their page</a>
        </dd>
        <dt>Found in</dt>
        <dd>{SOURCE_WORDS[found.source]}</dd>
      </dl>
      {address === undefined && (
        <p className="note">
          Connect a wallet and turn one-click mode on in the <a href="#/reader">Reader</a> page to applaud.
        </p>
      )}
      <button type="button" onClick={() => void applaud()} disabled={busy} data-testid="applaud-found">
        {busy ? "Applauding…" : "Applaud"}
      </button>
      {feedback !== undefined && (
        <p
          className={feedback.tone === "ok" ? "ok" : feedback.tone === "queued" ? "note" : "error"}
          role="status"
          data-testid="applaud-outcome"
        >
          {feedback.sentence}
        </p>
      )}
    </div>
  );
}
