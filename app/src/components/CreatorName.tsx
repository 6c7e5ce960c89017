/**
 * A creator as a person reads it: the name of its verified profile, else its primary ENS name (marked
 * "ENS"), else its short address; the full address in the title, and a link to its public page. Names
 * are React text children, never HTML.
 */
import type { Address } from "viem";

import { useCreatorProfile } from "../hooks/useCreatorProfile.js";
import { shortAddress } from "../lib/format.js";
import { creatorPageHref } from "../lib/routes.js";

export function CreatorName({ address, link = true }: { address: Address; link?: boolean }) {
  const { profile, ensName } = useCreatorProfile(address);
  return <CreatorNameView address={address} profileName={profile?.name} ensName={ensName} link={link} />;
}

/** What CreatorName shows, from what is known (a profile's name only once verified). */
export function CreatorNameView({
  address,
  profileName,
  ensName,
  link = true,
}: {
  address: Address;
  profileName: string | undefined;
  ensName: string | undefined;
  link?: boolean;
}) {
  const content =
    profileName !== undefined ? (
      <span className="creator-name">{profileName}</span>
    ) : ensName !== undefined ? (
      <>
        <span className="creator-name">{ensName}</span>{" "}
        <span className="badge" title="The creator's primary ENS name">
          ENS<span className="visually-hidden"> name</span>
        </span>
      </>
    ) : (
      <code>{shortAddress(address)}</code>
    );
  return link ? (
    <a href={creatorPageHref(address)} title={address} data-testid="creator-name">
      {content}
    </a>
  ) : (
    <span title={address} data-testid="creator-name">
      {content}
    </span>
  );
}
