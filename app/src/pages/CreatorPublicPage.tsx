/**
 * A creator's public page (`#/c/<address>`, or `#/c/<ENS name>` resolved first): its signed profile,
 * shown only once verified; its items with the distinct readers who applauded them this month and the
 * months before (keeper); what it earned per month (history: the indexer, or bounded log reads).
 * Everything a creator or a keeper wrote is rendered as text; links are marked as user content.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { isAddressEqual, type Address } from "viem";
import { useConnection } from "wagmi";

import { isPlainHttpUrl, type SignedProfile } from "@plaudit/protocol";
import { AsyncState } from "../components/AsyncState.js";
import { CreatorNameView } from "../components/CreatorName.js";
import { ItemLink, USER_LINK_REL } from "../components/ItemLink.js";
import { TipForm } from "../components/TipForm.js";
import { useServices } from "../hooks/services.js";
import { useChainClock } from "../hooks/useChainClock.js";
import { incomeByMonth, useCreatorEarnings, useCreatorTips } from "../hooks/useCreator.js";
import { useCreatorProfile } from "../hooks/useCreatorProfile.js";
import { creatorItemsQuery } from "../hooks/useItemTitles.js";
import { useLiveRefresh } from "../hooks/useLiveRefresh.js";
import { formatToken } from "../lib/format.js";

/** Months of items shown at first (this one and the ones before); "Show earlier months" adds as many. */
const MONTHS_PER_STEP = 3;

export function CreatorPublicPage({ creator }: { creator: Address }) {
  const { clock, isLoading, error } = useChainClock();
  return (
    <>
      <ProfileSection creator={creator} />
      <TipForm creator={creator} />
      <AsyncState loading={isLoading} error={error} what="the chain time">
        {clock !== undefined && <ItemsSection creator={creator} epoch={clock.epoch} />}
      </AsyncState>
      <EarningsSection creator={creator} />
    </>
  );
}

/** `#/c/<name>`: the name's address through ENS, then the page; a clear error without ENS or address. */
export function CreatorByNamePage({ name }: { name: string }) {
  const { ens, deployment } = useServices();
  const resolved = useQuery({
    queryKey: ["ens-address", deployment.chainId, name],
    enabled: ens !== undefined,
    staleTime: Infinity,
    queryFn: async () => (await (ens as NonNullable<typeof ens>)()).addressOf(name),
  });
  if (ens === undefined)
    return (
      <>
        <h1>Creator {name}</h1>
        <p className="banner error" role="alert" data-testid="ens-unavailable">
          This dApp has no ENS lookup (no ensRpcUrl in its plaudit.json), so it cannot open a creator by name. Open the
          creator's page by address instead: #/c/0x…
        </p>
      </>
    );
  return (
    <AsyncState loading={resolved.isLoading} error={resolved.error} what={`the address of ${name}`}>
      {resolved.data === null ? (
        <>
          <h1>Creator {name}</h1>
          <p className="banner error" role="alert" data-testid="ens-not-found">
            The ENS name {name} does not resolve to an address.
          </p>
        </>
      ) : (
        resolved.data !== undefined && <CreatorPublicPage creator={resolved.data} />
      )}
    </AsyncState>
  );
}

function ProfileSection({ creator }: { creator: Address }) {
  const { keeper } = useServices();
  const { address } = useConnection();
  const who = useCreatorProfile(creator);
  return (
    <section aria-labelledby="public-creator-title" data-testid="public-profile">
      <h1 id="public-creator-title">
        <CreatorNameView address={creator} profileName={who.profile?.name} ensName={who.ensName} link={false} />
      </h1>
      <p className="note">
        Address <code data-testid="public-address">{creator}</code>
        {who.profile !== undefined && who.ensName !== undefined && (
          <>
            {" "}
            · ENS name <span data-testid="public-ens">{who.ensName}</span>
          </>
        )}
      </p>
      {address !== undefined && isAddressEqual(address, creator) && (
        <p className="note">
          This is you: <a href="#/creator">edit your public profile</a>.
        </p>
      )}
      {keeper === undefined ? (
        <p className="note">No keeper is configured: profiles and items are published to a keeper.</p>
      ) : (
        <AsyncState loading={who.isLoading} error={who.error} what="the creator's profile">
          {who.profile !== undefined ? (
            <ProfileDetails profile={who.profile} />
          ) : who.lookup?.status === "unverified" ? (
            <p className="error" role="status" data-testid="profile-unverified">
              The keeper has a profile for this address that does not verify ({who.lookup.reason}): it is not shown.
            </p>
          ) : (
            <p className="note" data-testid="profile-none">
              This creator has not published a profile.
            </p>
          )}
        </AsyncState>
      )}
    </section>
  );
}

function ProfileDetails({ profile }: { profile: SignedProfile }) {
  return (
    <div className="profile">
      {profile.avatar !== "" && isPlainHttpUrl(profile.avatar) && (
        <img
          className="avatar"
          src={profile.avatar}
          alt=""
          width={72}
          height={72}
          loading="lazy"
          referrerPolicy="no-referrer"
          data-testid="public-avatar"
        />
      )}
      <div>
        {profile.bio !== "" && (
          <p className="bio" data-testid="public-bio">
            {profile.bio}
          </p>
        )}
        {(profile.website !== "" || profile.links.length > 0) && (
          <ul className="links" data-testid="public-links">
            {[profile.website, ...profile.links]
              .filter((url) => url !== "" && isPlainHttpUrl(url))
              .map((url, i) => (
                <li key={`${i}-${url}`}>
                  <a href={url} rel={USER_LINK_REL} target="_blank">
                    {url}
                  </a>
                  {i === 0 && profile.website !== "" ? <span className="note"> (website)</span> : null}
                </li>
              ))}
          </ul>
        )}
        <p className="note">Signed by the creator · version {profile.version.toString()}</p>
      </div>
    </div>
  );
}

function ItemsSection({ creator, epoch }: { creator: Address; epoch: bigint }) {
  const { keeper } = useServices();
  const [months, setMonths] = useState(MONTHS_PER_STEP);
  const shown: bigint[] = [];
  for (let e = epoch; e >= 0n && shown.length < months; e--) shown.push(e);
  const oldest = shown[shown.length - 1] ?? 0n;
  if (keeper === undefined) return null;
  return (
    <section aria-labelledby="public-items-title">
      <h2 id="public-items-title">Applauded items</h2>
      <p className="note">Distinct readers who applauded each item, by month; not what they paid.</p>
      {shown.map((e) => (
        <MonthItems key={e.toString()} creator={creator} epoch={e} current={e === epoch} />
      ))}
      {oldest > 0n && (
        <button type="button" className="secondary" onClick={() => setMonths((m) => m + MONTHS_PER_STEP)}>
          Show earlier months
        </button>
      )}
    </section>
  );
}

function MonthItems({ creator, epoch, current }: { creator: Address; epoch: bigint; current: boolean }) {
  const { keeper } = useServices();
  const items = useQuery(creatorItemsQuery(keeper, creator, epoch));
  const titleId = `items-${epoch}-title`;
  return (
    <article aria-labelledby={titleId} className="month" data-testid={`items-${epoch}`}>
      <h3 id={titleId}>
        Month {epoch.toString()}
        {current ? " (this month)" : ""}
      </h3>
      <AsyncState loading={items.isLoading} error={items.error} what={`the items of month ${epoch}`}>
        {items.data !== undefined &&
          (items.data.items.length === 0 ? (
            <p className="note">No applause recorded this month.</p>
          ) : (
            <table>
              <caption className="visually-hidden">Items of month {epoch.toString()}</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col" className="amount">
                    Readers
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.data.items.map((item) => (
                  <tr key={item.url} data-testid="public-item">
                    <th scope="row">
                      <ItemLink url={item.url} title={item.title} />
                    </th>
                    <td className="amount">{item.readers}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        {items.data?.nextCursor !== null && items.data !== undefined && (
          <p className="note">Only the {items.data.items.length} most applauded items are shown.</p>
        )}
      </AsyncState>
    </article>
  );
}

/** The public page has no wagmi reads of its own to refresh beside the history queries. */
const noRefresh = () => undefined;

function EarningsSection({ creator }: { creator: Address }) {
  const { deployment } = useServices();
  const earnings = useCreatorEarnings(creator);
  const tips = useCreatorTips(creator);
  // Read again when the creator's account sees activity (a settlement, a tip): history queries only.
  useLiveRefresh(creator, noRefresh);
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  const months =
    earnings.data !== undefined && tips.data !== undefined ? incomeByMonth(earnings.data.months, tips.data) : undefined;
  return (
    <section aria-labelledby="public-earnings-title">
      <h2 id="public-earnings-title">Earned per month</h2>
      <AsyncState
        loading={months === undefined && earnings.error === null && tips.error === null}
        error={earnings.error ?? tips.error}
        what="earnings"
      >
        {months !== undefined &&
          (months.length === 0 ? (
            <p className="note">Nothing earned yet.</p>
          ) : (
            <table data-testid="public-earnings">
              <caption className="visually-hidden">Earned per month, from readers' budgets and from tips</caption>
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col" className="amount">
                    From budgets
                  </th>
                  <th scope="col" className="amount">
                    Tips
                  </th>
                </tr>
              </thead>
              <tbody>
                {months.map(({ epoch, settled, tips }) => (
                  <tr key={epoch.toString()}>
                    <th scope="row">{epoch.toString()}</th>
                    <td className="amount">{fmt(settled)}</td>
                    <td className="amount">{fmt(tips)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
      </AsyncState>
    </section>
  );
}
