/**
 * Popular this month: items and creators ranked by how many distinct readers applauded them (never by
 * money, so no reader's spending shows), paged with the keeper's cursors. Titles and names are text.
 */
import { AsyncState } from "../components/AsyncState.js";
import { CreatorName } from "../components/CreatorName.js";
import { ItemLink } from "../components/ItemLink.js";
import { useServices } from "../hooks/services.js";
import { usePopular } from "../hooks/usePopular.js";

export function PopularPage() {
  const { keeper } = useServices();
  return (
    <>
      <h1>Popular this month</h1>
      <p className="note">Ranked by distinct readers who applauded, not by money: no reader's spending is shown.</p>
      {keeper === undefined ? (
        <p className="note">No keeper is configured: rankings come from a keeper.</p>
      ) : (
        <>
          <PopularItems />
          <PopularCreators />
        </>
      )}
    </>
  );
}

function Pages({ popular, label }: { popular: ReturnType<typeof usePopular>; label: string }) {
  return (
    <div className="row" role="group" aria-label={`Pages of ${label}`}>
      <button
        type="button"
        className="secondary"
        disabled={!popular.hasPrevious}
        onClick={popular.previous}
        data-testid={`${label}-previous`}
      >
        Previous
      </button>
      <span className="note" aria-live="polite">
        Page {popular.pageNumber}
        {popular.page.isFetching ? " (loading…)" : ""}
      </span>
      <button
        type="button"
        className="secondary"
        disabled={!popular.hasNext}
        onClick={popular.next}
        data-testid={`${label}-next`}
      >
        Next
      </button>
    </div>
  );
}

function PopularItems() {
  const popular = usePopular("items");
  const data = popular.page.data;
  return (
    <section aria-labelledby="popular-items-title">
      <h2 id="popular-items-title">Items</h2>
      <AsyncState loading={popular.page.isLoading} error={popular.page.error} what="popular items">
        {data !== undefined &&
          (data.items.length === 0 ? (
            <p className="note">Nothing applauded yet this month.</p>
          ) : (
            <table data-testid="popular-items">
              <caption className="visually-hidden">Items of month {data.epoch.toString()} by distinct readers</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Item</th>
                  <th scope="col">Creator</th>
                  <th scope="col" className="amount">
                    Readers
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((item, i) => (
                  <tr key={`${item.creator} ${item.url}`} data-testid="popular-item">
                    <td>{popular.firstRank + i}</td>
                    <th scope="row">
                      <ItemLink url={item.url} title={item.title} />
                    </th>
                    <td>
                      <CreatorName address={item.creator} />
                    </td>
                    <td className="amount">{item.readers}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        <Pages popular={popular} label="items" />
      </AsyncState>
    </section>
  );
}

function PopularCreators() {
  const popular = usePopular("creators");
  const data = popular.page.data;
  return (
    <section aria-labelledby="popular-creators-title">
      <h2 id="popular-creators-title">Creators</h2>
      <AsyncState loading={popular.page.isLoading} error={popular.page.error} what="popular creators">
        {data !== undefined &&
          (data.creators.length === 0 ? (
            <p className="note">No creator applauded yet this month.</p>
          ) : (
            <table data-testid="popular-creators">
              <caption className="visually-hidden">
                Creators of month {data.epoch.toString()} by distinct readers
              </caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Creator</th>
                  <th scope="col" className="amount">
                    Readers
                  </th>
                  <th scope="col" className="amount">
                    Items applauded
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.creators.map((entry, i) => (
                  <tr key={entry.creator} data-testid="popular-creator">
                    <td>{popular.firstRank + i}</td>
                    <th scope="row">
                      <CreatorName address={entry.creator} />
                    </th>
                    <td className="amount">{entry.readers}</td>
                    <td className="amount">{entry.items}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        <Pages popular={popular} label="creators" />
      </AsyncState>
    </section>
  );
}
