/**
 * An item (a page or work) as a person reads it: its title when one is known, else its URL, as text;
 * a link to it only when it is an http(s) URL, marked as user content (no referrer, no follow).
 */
import { isPlainHttpUrl, isPlainText } from "@plaudit/protocol";

/** The `rel` of every link to a place a creator or a reader named. */
export const USER_LINK_REL = "noopener noreferrer nofollow ugc";

export function ItemLink({ url, title }: { url: string; title?: string | null | undefined }) {
  // A title with control or invisible characters (which could reorder what is read) shows as its URL.
  const text = title !== null && title !== undefined && title !== "" && isPlainText(title) ? title : url;
  if (!isPlainHttpUrl(url)) return <span title={url}>{text}</span>;
  return (
    <a href={url} title={url} rel={USER_LINK_REL} target="_blank" data-testid="item-link">
      {text}
    </a>
  );
}
