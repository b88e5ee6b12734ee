import { useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { SignIn, SignedInBar } from "../lib/sign-in.js";
import type { MyWaitlistEntry } from "../lib/types.js";
import { ErrorBox, Field, Form, Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import { formatDateTime, t, type MessageKey } from "../i18n.js";

/** The fan's waitlists: status and place in each queue, the mailed code to confirm, leaving. */
export default function Waitlists() {
  const session = useSession("fan");
  if (!session) return <SignIn area="fan" methods={["wallet", "email"]} />;
  return <Entries />;
}

function Entries() {
  const entries = useLoad(() => api<{ items: MyWaitlistEntry[] }>("/me/waitlist-entries", { as: "fan" }), []);
  const [error, setError] = useState<unknown>();
  return (
    <>
      <SignedInBar area="fan" />
      <h1>{t("waitlist.title")}</h1>
      <Loaded state={entries}>
        {({ items }) => (
          <>
            {items.length === 0 ? (
              <p>{t("waitlist.none")}</p>
            ) : (
              <ul class="cards">
                {items.map((e) => (
                  <li class="card" key={e.id} data-testid="waitlist-entry" data-status={e.status}>
                    <div class="spread">
                      <strong>{e.eventName}</strong>
                      <span class="tag">{t(`waitlist.status.${e.status}` as MessageKey)}</span>
                    </div>
                    <p class="muted">
                      {e.email} · {formatDateTime(e.createdAt)}
                    </p>
                    {e.position !== null && <p data-testid="waitlist-position">{t("waitlist.position", { n: e.position })}</p>}
                    {e.status === "pending" && <p>{t("waitlist.pendingHint")}</p>}
                    {e.status !== "cancelled" && (
                      <button
                        type="button"
                        class="secondary"
                        onClick={async () => {
                          setError(undefined);
                          try {
                            await api(`/waitlist-entries/${e.id}/cancel`, { as: "fan", method: "POST" });
                            entries.reload();
                          } catch (err) {
                            setError(err);
                          }
                        }}
                      >
                        {t("waitlist.leave")}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {error !== undefined && <ErrorBox error={error} />}
            {items.some((e) => e.status === "pending") && (
              <section class="card" aria-labelledby="confirm-title">
                <h2 id="confirm-title">{t("waitlist.confirmTitle")}</h2>
                <Form
                  testId="waitlist-confirm"
                  submit={t("waitlist.confirm")}
                  action={async (data) => {
                    await api("/waitlist-entries/confirm", { body: { token: String(data.get("token")).trim() } });
                    entries.reload();
                  }}
                >
                  <Field label={t("waitlist.code")} name="token" autoComplete="one-time-code" minLength={16} />
                </Form>
              </section>
            )}
          </>
        )}
      </Loaded>
    </>
  );
}
