/**
 * `#/tip/<address>`: the tip form for one creator, alone on the page, so a creator's button can open it in
 * a first-party window. Not in the navigation. The address comes from the URL, so it is checked before use.
 */
import type { Address } from "viem";

import { TipForm } from "../components/TipForm.js";

export function TipPage({ creator }: { creator: Address | null }) {
  return (
    <>
      <h1>Tip a creator</h1>
      {creator === null ? (
        <p className="error" role="alert" data-testid="tip-bad-address">
          This link names no creator: the part after #/tip/ must be an Ethereum address (0x and 40 hexadecimal digits).
        </p>
      ) : (
        <TipForm creator={creator} />
      )}
    </>
  );
}
