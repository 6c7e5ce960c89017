/**
 * "Your public profile": the connected creator edits its name, bio, avatar, website and links, checked
 * as typed with the protocol's bounds, signs the EIP-712 `Profile` (one version above the stored one)
 * and publishes it to the keeper. Every phase shows: signing, publishing, the keeper's refusal, done.
 */
import { useState } from "react";
import type { Address } from "viem";

import {
  MAX_PROFILE_BIO_LENGTH,
  MAX_PROFILE_LINKS,
  MAX_PROFILE_NAME_LENGTH,
  type SignedProfile,
} from "@plaudit/protocol";
import { AsyncState } from "../../components/AsyncState.js";
import { useServices } from "../../hooks/services.js";
import { useCreatorProfile } from "../../hooks/useCreatorProfile.js";
import { usePublishProfile } from "../../hooks/usePublishProfile.js";
import { checkDraft, draftOf, profileToSign, type DraftField, type ProfileDraft } from "../../lib/profileDraft.js";
import { creatorPageHref } from "../../lib/routes.js";

export function ProfileSection({ creator }: { creator: Address }) {
  const { keeper } = useServices();
  const who = useCreatorProfile(creator);
  // Held here: the form starts again from each newly published version, the outcome stays in view.
  const publish = usePublishProfile(creator);
  return (
    <section aria-labelledby="profile-title">
      <h2 id="profile-title">Your public profile</h2>
      <p className="note">
        Readers see it on <a href={creatorPageHref(creator)}>your public page</a>, beside your items and wherever your
        address shows. You sign it with your wallet (no transaction, no gas); any keeper serves it.
      </p>
      {keeper === undefined ? (
        <p className="note">No keeper is configured: a profile is published to a keeper.</p>
      ) : (
        <AsyncState loading={who.isLoading} error={who.error} what="your published profile">
          <ProfileForm
            key={who.storedVersion?.toString() ?? "none"}
            creator={creator}
            published={who.profile}
            storedVersion={who.storedVersion}
            publish={publish}
          />
        </AsyncState>
      )}
    </section>
  );
}

const LABELS: Record<DraftField, string> = {
  name: `Name (1 to ${MAX_PROFILE_NAME_LENGTH} characters)`,
  bio: `Short bio (at most ${MAX_PROFILE_BIO_LENGTH} characters)`,
  avatar: "Avatar image URL (http or https, optional)",
  website: "Website (http or https, optional)",
  links: `Links, one per line (at most ${MAX_PROFILE_LINKS})`,
};

function ProfileForm({
  creator,
  published,
  storedVersion,
  publish,
}: {
  creator: Address;
  published: SignedProfile | undefined;
  storedVersion: bigint | undefined;
  publish: ReturnType<typeof usePublishProfile>;
}) {
  const [draft, setDraft] = useState<ProfileDraft>(() => draftOf(published));
  // Problems show for the fields touched so far, and for all once the creator tries to publish.
  const [touched, setTouched] = useState<ReadonlySet<DraftField>>(new Set());
  const check = checkDraft(draft);
  const problemOf = (field: DraftField) => (!check.ok && touched.has(field) ? check.problems[field] : undefined);
  const field = (name: DraftField, multiline: boolean) => {
    const problem = problemOf(name);
    const props = {
      value: draft[name],
      onChange: (e: { target: { value: string } }) => {
        setDraft((d) => ({ ...d, [name]: e.target.value }));
        setTouched((t) => new Set(t).add(name));
      },
      "aria-invalid": problem !== undefined ? true : undefined,
      "aria-describedby": `profile-${name}-problem`,
      autoComplete: "off",
      spellCheck: name === "bio",
      "data-testid": `profile-${name}`,
    };
    return (
      <div key={name}>
        <label>
          {LABELS[name]}
          {multiline ? <textarea rows={name === "bio" ? 4 : 3} cols={60} {...props} /> : <input size={60} {...props} />}
        </label>
        <p id={`profile-${name}-problem`} className="error" role="status">
          {problem ?? ""}
        </p>
      </div>
    );
  };
  const submit = () => {
    setTouched(new Set(Object.keys(draft) as DraftField[]));
    if (check.ok) publish.publish(profileToSign(creator, check.fields, storedVersion));
  };
  return (
    <form
      data-testid="profile-form"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {field("name", false)}
      {field("bio", true)}
      {field("avatar", false)}
      {field("website", false)}
      {field("links", true)}
      <button type="submit" disabled={publish.pending !== undefined} data-testid="profile-publish">
        Sign and publish{storedVersion === undefined ? "" : ` (version ${storedVersion + 1n})`}
      </button>
      <p className="tx" role="status" data-testid="profile-status">
        {publish.pending === "signing" && <span className="note">Sign the profile in your wallet…</span>}
        {publish.pending === "publishing" && <span className="note">Publishing to the keeper…</span>}
        {publish.pending === undefined && publish.problem !== undefined && (
          <span className="error">{publish.problem}</span>
        )}
        {publish.pending === undefined && publish.problem === undefined && publish.result !== undefined && (
          <span className="ok">
            {publish.result.status === "stored"
              ? `Published: version ${publish.result.version} is your public profile.`
              : `Unchanged: the keeper already has version ${publish.result.version}.`}{" "}
            <a href={creatorPageHref(creator)}>See your public page</a>.
          </span>
        )}
      </p>
    </form>
  );
}
