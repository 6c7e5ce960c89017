/**
 * The creator: earnings per epoch (useCreator: indexer or bounded log reads), claimable balance, claim
 * (from a wallet, or gasless: the keeper's relay sends `claim(creator)`, which pays only the creator),
 * button snippets.
 */
import { useState } from "react";
import { isAddressEqual, type Address } from "viem";
import { useConnection } from "wagmi";

import { addressSchema, BUTTON_HEIGHT, BUTTON_WIDTH, MAX_ITEM_TITLE_LENGTH } from "@plaudit/protocol";
import { AsyncState } from "../components/AsyncState.js";
import { BarChart } from "../components/BarChart.js";
import { TxStatus } from "../components/TxStatus.js";
import { useServices } from "../hooks/services.js";
import { useCreator } from "../hooks/useCreator.js";
import { useRelayPolicy } from "../hooks/useRelay.js";
import { useTx } from "../hooks/useTx.js";
import { relays } from "../lib/relay.js";
import { creatorPageHref } from "../lib/routes.js";
import { formatToken } from "../lib/format.js";
import { snippetForm } from "../lib/snippetForm.js";
import { ProfileSection } from "./creator/ProfileForm.js";

export function CreatorPage() {
  const { address } = useConnection();
  const [other, setOther] = useState("");
  const parsed = addressSchema.safeParse(other);
  const creator: Address | undefined = other !== "" && parsed.success ? parsed.data : address;
  return (
    <>
      <h1>Creator</h1>
      <section aria-label="Which creator">
        <label>
          Creator address (defaults to your wallet)
          <input
            value={other}
            onChange={(e) => setOther(e.target.value.trim())}
            placeholder={address ?? "0x…"}
            size={44}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={other !== "" && !parsed.success ? true : undefined}
            aria-describedby="creator-address-problem"
          />
        </label>
        <p id="creator-address-problem" className="error" role="status">
          {other !== "" && !parsed.success ? "That is not an address (0x and 40 hexadecimal digits)." : ""}
        </p>
      </section>
      {creator === undefined ? (
        <p className="note">Connect a wallet or enter a creator address.</p>
      ) : (
        <CreatorView creator={creator} />
      )}
    </>
  );
}

function CreatorView({ creator }: { creator: Address }) {
  const { deployment } = useServices();
  const { address } = useConnection();
  const tx = useTx();
  const relayTx = useTx();
  const { policy } = useRelayPolicy();
  const gasless = relays(policy, "claim");
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  const data = useCreator(creator);
  return (
    <>
      <section aria-labelledby="earnings-title">
        <h2 id="earnings-title">Earnings per month</h2>
        <AsyncState loading={data.isLoading} error={data.error} what="earnings">
          {data.data !== undefined && (
            <>
              <BarChart
                title="Earnings per month"
                color="#047857"
                bars={data.data.earnings.map(([epoch, amount]) => ({
                  label: `Month ${epoch}`,
                  value: Number(amount),
                  text: fmt(amount),
                }))}
              />
              <p data-testid="claimable">
                Claimable: <strong>{fmt(data.data.claimable)}</strong> · claimed so far {fmt(data.data.totalClaimed)}
              </p>
              <button
                type="button"
                data-testid="claim"
                disabled={tx.busy || data.data.claimable === 0n || address === undefined}
                onClick={() => void tx.run(async () => ({ functionName: "claim", args: [creator] }))}
              >
                Claim to {creator === address ? "my wallet" : "the creator"}
              </button>
              {gasless && (
                <button
                  type="button"
                  className="secondary"
                  data-testid="claim-relayed"
                  disabled={relayTx.busy || data.data.claimable === 0n}
                  onClick={() => void relayTx.track((progress) => relayTx.relay("claim", { creator }, progress))}
                >
                  Claim without gas (the keeper sends it)
                </button>
              )}
              {address === undefined && (
                <p className="note">
                  {gasless
                    ? "No wallet needed: the keeper sends the claim for free, and the funds go to the creator."
                    : "Connect a wallet to send the claim transaction (anyone may pay it; funds go to the creator)."}
                </p>
              )}
              <TxStatus state={tx.state} label="Claim" />
              <TxStatus state={relayTx.state} label="Gasless claim" />
            </>
          )}
        </AsyncState>
      </section>
      {address !== undefined && isAddressEqual(address, creator) ? (
        <ProfileSection creator={creator} />
      ) : (
        <p className="note">
          <a href={creatorPageHref(creator)}>This creator's public page</a> · connect as the creator to edit its public
          profile.
        </p>
      )}
      <SnippetGenerator creator={creator} />
    </>
  );
}

function SnippetGenerator({ creator }: { creator: Address }) {
  // Empty at first: nothing is wrong before anything was typed; problems show as the creator types.
  const [typed, setTyped] = useState("");
  const [typedTitle, setTypedTitle] = useState("");
  const appUrl = new URL(".", location.href).href;
  const form = snippetForm(appUrl, creator, typed, typedTitle);
  const urlInvalid = form.kind === "invalid" && form.field === "url";
  const titleInvalid = form.kind === "invalid" && form.field === "title";
  return (
    <section aria-labelledby="snippet-title">
      <h2 id="snippet-title">Your button</h2>
      <label>
        URL of the page or work
        <input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          size={60}
          data-testid="item-url"
          type="url"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          placeholder="https://your.site/post"
          aria-invalid={urlInvalid ? true : undefined}
          aria-describedby="item-url-help"
        />
      </label>
      <label>
        Title (optional; the script tag uses the page&apos;s own title when empty)
        <input
          value={typedTitle}
          onChange={(e) => setTypedTitle(e.target.value)}
          size={60}
          maxLength={MAX_ITEM_TITLE_LENGTH * 2}
          data-testid="item-title"
          autoComplete="off"
          placeholder="My post"
          aria-invalid={titleInvalid ? true : undefined}
          aria-describedby="item-url-help"
        />
      </label>
      <p
        id="item-url-help"
        className={form.kind === "invalid" ? "error" : "note"}
        role="status"
        data-testid="item-url-help"
      >
        {form.kind === "invalid"
          ? form.problem
          : form.kind === "empty"
            ? "Enter the address of the page or work the button sits on to get its snippet."
            : form.title === undefined
              ? `The button counts clicks for ${form.itemUrl}.`
              : `The button counts clicks for ${form.itemUrl}, titled “${form.title}”.`}
      </p>
      {form.kind === "ready" && (
        <>
          <p className="note">Paste one of these into your page: a script tag,</p>
          <pre data-testid="snippet-script">{form.script}</pre>
          <p className="note">or a plain iframe:</p>
          <pre data-testid="snippet-iframe">{form.iframe}</pre>
          <div className="row">
            <button
              type="button"
              className="secondary"
              onClick={() => void navigator.clipboard?.writeText(form.script)}
            >
              Copy script tag
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => void navigator.clipboard?.writeText(form.iframe)}
            >
              Copy iframe
            </button>
          </div>
          <p className="note">Live preview:</p>
          <iframe
            title="Button preview"
            src={form.preview}
            width={BUTTON_WIDTH}
            height={BUTTON_HEIGHT}
            style={{ border: 0 }}
          />
        </>
      )}
    </section>
  );
}
