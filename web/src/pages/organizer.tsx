import { useState } from "preact/hooks";
import type { PageProps } from "../lib/router.js";
import { api } from "../lib/api.js";
import { navigate } from "../lib/router.js";
import { SignIn, SignedInBar } from "../lib/sign-in.js";
import type { Page } from "../lib/types.js";
import { ErrorBox, Field, Form, Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import { getSession } from "../lib/session.js";
import { formatDateTime, formatEth, t } from "../i18n.js";
import { Dashboard } from "./organizer-dashboard.js";

interface Organization {
  id: string;
  name: string;
}
interface Festival {
  id: string;
  name: string;
  organizationId: string;
}
interface Edition {
  id: string;
  name: string;
  timezone: string;
  startsAt: string;
  status: string;
}
interface Venue {
  id: string;
  name: string;
}
interface Stage {
  id: string;
  name: string;
}
interface Diff {
  added: Array<{ artistName: string }>;
  moved: Array<{ artistName: string }>;
  cancelled: Array<{ artistName: string }>;
}
interface EventContract {
  id: string;
  name: string;
  status: string;
  ticketAddress: string | null;
  deployTxHash?: string | null;
  createEventCall?: { to: string; data: string } | null;
  grantScannerCall?: { to: string; data: string } | null;
}

/** Sends a call the API prepared from the organizer's own wallet (the one this session signed in with). */
async function sendFromWallet(call: { to: string; data: string }): Promise<string> {
  const session = getSession(as);
  const { reconnect } = await import("../lib/wallet.js");
  const wallet = await reconnect(session?.walletRdns, session?.address);
  if (!wallet) throw new Error(t("buy.connect"));
  const tx = await wallet.signer.sendTransaction({ to: call.to, data: call.data });
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new Error("the transaction failed");
  return tx.hash;
}

const as = "organizer" as const;
const str = (d: FormData, k: string) => String(d.get(k) ?? "").trim();

export default function Organizer({ params }: PageProps) {
  const session = useSession(as);
  if (!session) {
    return (
      <>
        <h1>{t("org.title")}</h1>
        <p class="muted">{t("org.signInHint")}</p>
        <SignIn area={as} methods={["email", "wallet"]} />
      </>
    );
  }
  return (
    <>
      <SignedInBar area={as} />
      {params.festivalId ? <FestivalPage festivalId={params.festivalId} /> : <Festivals />}
    </>
  );
}

function Festivals() {
  const orgs = useLoad(() => api<Page<Organization>>("/organizations?limit=100", { as }), []);
  const [orgId, setOrgId] = useState("");
  return (
    <>
      <h1>{t("org.title")}</h1>
      <Loaded state={orgs}>
        {({ items }) => {
          const org = items.find((o) => o.id === orgId) ?? items[0];
          return (
            <>
              {items.length > 0 && (
                <label class="field">
                  <span>{t("org.organizations")}</span>
                  <select value={org?.id} onChange={(e) => setOrgId((e.target as HTMLSelectElement).value)}>
                    {items.map((o) => (
                      <option key={o.id} value={o.id}>
                        {o.name}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <details open={items.length === 0} class="card">
                <summary>{t("org.newOrganization")}</summary>
                <Form
                  submit={t("common.create")}
                  action={async (d) => {
                    const created = await api<Organization>("/organizations", { as, body: { name: str(d, "name"), slug: str(d, "slug") } });
                    setOrgId(created.id);
                    orgs.reload();
                  }}
                >
                  <Field label={t("org.name")} name="name" />
                  <Field label={t("org.slug")} name="slug" pattern="[a-z0-9]+(-[a-z0-9]+)*" />
                </Form>
              </details>
              {org && <OrgFestivals org={org} />}
            </>
          );
        }}
      </Loaded>
    </>
  );
}

function OrgFestivals({ org }: { org: Organization }) {
  const festivals = useLoad(() => api<Page<Festival>>(`/festivals?organizationId=${org.id}&limit=100`, { as }), [org.id]);
  return (
    <>
      <h2>{t("org.festivals")}</h2>
      <Loaded state={festivals}>
        {({ items }) => (
          <ul class="cards">
            {items.map((f) => (
              <li key={f.id} class="card spread">
                <strong>{f.name}</strong>
                <a href={`/organizer/festivals/${f.id}`}>{t("org.manage")}</a>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <section class="card" aria-label={t("org.newFestival")}>
        <h3>{t("org.newFestival")}</h3>
        <Form
          submit={t("common.create")}
          testId="new-festival"
          action={async (d) => {
            const created = await api<Festival>(`/organizations/${org.id}/festivals`, {
              as,
              body: { name: str(d, "name"), slug: str(d, "slug"), description: str(d, "description") || undefined },
            });
            navigate(`/organizer/festivals/${created.id}`);
          }}
        >
          <Field label={t("org.name")} name="name" />
          <Field label={t("org.slug")} name="slug" pattern="[a-z0-9]+(-[a-z0-9]+)*" />
          <Field label={t("org.description")} name="description" required={false} />
        </Form>
      </section>
      <AuditLog organizationId={org.id} />
    </>
  );
}

function FestivalPage({ festivalId }: { festivalId: string }) {
  const festival = useLoad(() => api<Festival>(`/festivals/${festivalId}`, { as }), [festivalId]);
  const editions = useLoad(() => api<Page<Edition>>(`/festivals/${festivalId}/editions?limit=100`, { as }), [festivalId]);
  const [editionId, setEditionId] = useState("");
  return (
    <Loaded state={festival}>
      {(f) => (
        <>
          <p>
            <a href="/organizer">← {t("org.festivals")}</a>
          </p>
          <h1>{f.name}</h1>
          <h2>{t("org.editions")}</h2>
          <Loaded state={editions}>
            {({ items }) => {
              const edition = items.find((e) => e.id === editionId) ?? items[0];
              return (
                <>
                  {items.length > 0 && (
                    <select aria-label={t("org.editions")} value={edition?.id} onChange={(e) => setEditionId((e.target as HTMLSelectElement).value)}>
                      {items.map((e) => (
                        <option key={e.id} value={e.id}>
                          {e.name} · {formatDateTime(e.startsAt, e.timezone)} · {e.status}
                        </option>
                      ))}
                    </select>
                  )}
                  <details class="card" open={items.length === 0}>
                    <summary>{t("org.newEdition")}</summary>
                    <Form
                      submit={t("common.create")}
                      testId="new-edition"
                      action={async (d) => {
                        const created = await api<Edition>(`/festivals/${festivalId}/editions`, {
                          as,
                          body: {
                            name: str(d, "name"),
                            slug: str(d, "slug"),
                            timezone: str(d, "timezone"),
                            startsAt: str(d, "startsAt"),
                            endsAt: str(d, "endsAt"),
                            status: d.get("publish") ? "published" : "draft",
                          },
                        });
                        setEditionId(created.id);
                        editions.reload();
                      }}
                    >
                      <Field label={t("org.name")} name="name" />
                      <Field label={t("org.slug")} name="slug" pattern="[a-z0-9]+(-[a-z0-9]+)*" />
                      <Field label={t("org.timezone")} name="timezone" value="Europe/Paris" />
                      <Field label={t("org.startsAt")} name="startsAt" type="datetime-local" />
                      <Field label={t("org.endsAt")} name="endsAt" type="datetime-local" />
                      <label class="row">
                        <input type="checkbox" name="publish" value="1" checked style="width:auto;min-height:0" /> {t("org.publishEdition")}
                      </label>
                    </Form>
                  </details>
                  {edition && <EditionWork festivalId={festivalId} edition={edition} />}
                </>
              );
            }}
          </Loaded>
          <Events festivalId={festivalId} />
          <Scanners festivalId={festivalId} />
          <AuditLog organizationId={f.organizationId} festivalId={festivalId} />
        </>
      )}
    </Loaded>
  );
}

function EditionWork({ festivalId, edition }: { festivalId: string; edition: Edition }) {
  const venues = useLoad(() => api<Page<Venue>>(`/editions/${edition.id}/venues?limit=100`, { as }), [edition.id]);
  const [stages, setStages] = useState<Array<Stage & { venue: string }> | null>(null);
  const loadStages = async (list: Venue[]) => {
    const all = await Promise.all(
      list.map(async (v) => (await api<Page<Stage>>(`/venues/${v.id}/stages?limit=100`, { as })).items.map((s) => ({ ...s, venue: v.name }))),
    );
    setStages(all.flat());
  };
  const stagesState = useLoad(async () => (venues.value ? loadStages(venues.value.items) : undefined), [venues.value]);
  const draft = useLoad(() => api<{ pendingChanges: Diff; latestVersion: number | null }>(`/editions/${edition.id}/schedule/draft`, { as }), [edition.id]);
  const [published, setPublished] = useState<{ number: number; diff: Diff } | null>(null);
  return (
    <>
      <h2>{t("org.venues")}</h2>
      <Loaded state={venues}>
        {({ items }) => (
          <ul class="cards">
            {items.map((v) => (
              <li key={v.id} class="card">
                <strong>{v.name}</strong>
                <ul>
                  {stages
                    ?.filter((s) => s.venue === v.name)
                    .map((s) => (
                      <li key={s.id}>{s.name}</li>
                    ))}
                </ul>
                <Form
                  submit={t("org.newStage")}
                  testId="new-stage"
                  action={async (d) => {
                    await api(`/venues/${v.id}/stages`, { as, body: { name: str(d, "name") } });
                    await loadStages(items);
                  }}
                >
                  <Field label={t("org.name")} name="name" />
                </Form>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {stagesState.error !== undefined && <ErrorBox error={stagesState.error} />}
      <details class="card">
        <summary>{t("org.newVenue")}</summary>
        <Form
          submit={t("common.create")}
          testId="new-venue"
          action={async (d) => {
            const venue = await api<Venue>(`/festivals/${festivalId}/venues`, {
              as,
              body: { name: str(d, "name"), city: str(d, "city"), country: str(d, "country") },
            });
            await api(`/editions/${edition.id}/venues/${venue.id}`, { as, method: "PUT" });
            venues.reload();
          }}
        >
          <Field label={t("org.name")} name="name" />
          <Field label={t("org.city")} name="city" />
          <Field label={t("org.country")} name="country" value="FR" maxLength={2} />
        </Form>
      </details>
      <h2>{t("org.slots")}</h2>
      {stages && stages.length > 0 && (
        <Form
          submit={t("org.newSlot")}
          testId="new-slot"
          action={async (d) => {
            const slot = await api<{ id: string }>(`/editions/${edition.id}/time-slots`, {
              as,
              body: { stageId: str(d, "stageId"), startsAt: str(d, "startsAt"), endsAt: str(d, "endsAt"), title: str(d, "artist") },
            });
            const artist = await api<{ id: string }>(`/festivals/${festivalId}/artists`, { as, body: { name: str(d, "artist") } });
            await api(`/time-slots/${slot.id}/engagements`, { as, body: { artistId: artist.id } });
            draft.reload();
          }}
        >
          <label class="field">
            <span>{t("org.stage")}</span>
            <select name="stageId">
              {stages.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.venue} · {s.name}
                </option>
              ))}
            </select>
          </label>
          <Field label={t("org.title2")} name="artist" />
          <Field label={t("org.startsAt")} name="startsAt" type="datetime-local" />
          <Field label={t("org.endsAt")} name="endsAt" type="datetime-local" />
        </Form>
      )}
      <Loaded state={draft}>
        {(d) => (
          <p data-testid="pending">
            {t("org.pending", { added: d.pendingChanges.added.length, moved: d.pendingChanges.moved.length, cancelled: d.pendingChanges.cancelled.length })}
          </p>
        )}
      </Loaded>
      <Form
        submit={t("org.publish")}
        testId="publish"
        action={async (d) => {
          const result = await api<{ number: number; diff: Diff }>(`/editions/${edition.id}/schedule/publish`, {
            as,
            body: { notes: str(d, "notes") || undefined },
          });
          setPublished(result);
          draft.reload();
        }}
      >
        <Field label={t("org.publishNotes")} name="notes" required={false} />
      </Form>
      {published && (
        <div class="card ok" role="status" data-testid="published">
          <p>
            {t("org.published", {
              n: published.number,
              added: published.diff.added.length,
              moved: published.diff.moved.length,
              cancelled: published.diff.cancelled.length,
            })}
          </p>
          <ul>
            {published.diff.added.map((a) => (
              <li key={`a${a.artistName}`}>+ {a.artistName}</li>
            ))}
            {published.diff.moved.map((a) => (
              <li key={`m${a.artistName}`}>↔ {a.artistName}</li>
            ))}
            {published.diff.cancelled.map((a) => (
              <li key={`c${a.artistName}`}>− {a.artistName}</li>
            ))}
          </ul>
          <a href={`/editions/${edition.id}`}>{t("edition.schedule")}</a>
        </div>
      )}
    </>
  );
}

function Events({ festivalId }: { festivalId: string }) {
  const events = useLoad(() => api<Page<EventContract>>(`/festivals/${festivalId}/event-contracts?limit=100`, { as }), [festivalId]);
  return (
    <>
      <h2>{t("org.events")}</h2>
      <Loaded state={events}>
        {({ items }) => (
          <ul class="cards">
            {items.map((e) => (
              <li key={e.id} class="card">
                <div class="spread">
                  <strong>{e.name}</strong>
                  <span class="tag">{t("org.eventStatus", { status: e.status })}</span>
                </div>
                {e.ticketAddress && <code>{e.ticketAddress}</code>}
                {e.grantScannerCall && getSession(as)?.method === "siwe" && (
                  <Form submit={t("org.grantScanner")} action={async () => (await sendFromWallet(e.grantScannerCall!), events.reload())}>
                    {null}
                  </Form>
                )}
                {e.status === "linked" && <Dashboard eventContractId={e.id} />}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <details class="card">
        <summary>{t("org.newEvent")}</summary>
        <Form
          submit={t("common.create")}
          action={async (d) => {
            const now = Date.now();
            const fromWallet = d.get("fromWallet") === "1";
            const created = await api<EventContract>(`/festivals/${festivalId}/event-contracts`, {
              as,
              body: {
                deployWith: fromWallet ? "wallet" : "server",
                ...(fromWallet ? { organizerAddress: getSession(as)?.address } : {}),
                name: str(d, "name"),
                symbol: str(d, "symbol"),
                startsAt: new Date(now).toISOString(),
                endsAt: new Date(now + 3 * 86_400_000).toISOString(),
                zones: [{ code: "main-gate", name: "Main gate", kind: "entrance" }],
                tiers: [
                  {
                    name: str(d, "tier"),
                    price: str(d, "price"),
                    supply: Number(str(d, "supply")),
                    saleStart: new Date(now - 60_000).toISOString(),
                    saleEnd: new Date(now + 2 * 86_400_000).toISOString(),
                  },
                ],
              },
            });
            if (fromWallet && created.createEventCall) {
              const txHash = await sendFromWallet(created.createEventCall);
              await api(`/event-contracts/${created.id}/transaction`, { as, body: { txHash } });
            } else await api(`/event-contracts/${created.id}/deploy`, { as, method: "POST" });
            events.reload();
          }}
        >
          <Field label={t("org.name")} name="name" />
          <Field label={t("org.symbol")} name="symbol" />
          <Field label={t("org.tierName")} name="tier" value="STANDARD" />
          <Field label={t("org.price")} name="price" value="50000000000000000" inputMode="numeric" />
          <Field label={t("org.supply")} name="supply" value="1000" inputMode="numeric" />
          <p class="muted">{t("org.deployServer")}</p>
          {getSession(as)?.method === "siwe" && (
            <label class="row">
              <input type="checkbox" name="fromWallet" value="1" style="width:auto;min-height:0" /> {t("org.deployWallet")}
            </label>
          )}
        </Form>
        <p class="muted">{formatEth("50000000000000000")} = 50000000000000000 wei</p>
      </details>
    </>
  );
}

function Scanners({ festivalId }: { festivalId: string }) {
  const scanners = useLoad(
    () => api<Page<{ userId: string; displayName: string | null; email: string | null }>>(`/festivals/${festivalId}/gate/scanners?limit=100`, { as }),
    [festivalId],
  );
  return (
    <>
      <h2>{t("org.staff")}</h2>
      <Loaded state={scanners}>
        {({ items }) => (
          <ul>
            {items.map((s) => (
              <li key={s.userId}>
                {s.displayName ?? s.userId} {s.email && <span class="muted">{s.email}</span>}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <Form
        submit={t("org.assign")}
        action={async (d) => {
          await api(`/festivals/${festivalId}/gate/scanners`, { as, body: { userId: str(d, "userId") } });
          scanners.reload();
        }}
      >
        <Field label={t("org.assign")} name="userId" />
      </Form>
    </>
  );
}

function AuditLog({ organizationId, festivalId }: { organizationId: string; festivalId?: string }) {
  const log = useLoad(
    () =>
      api<Page<{ id: string; createdAt: string; action: string; entityType: string; festivalId: string | null }>>(
        `/organizations/${organizationId}/audit?limit=25`,
        { as },
      ),
    [organizationId],
  );
  return (
    <details class="card">
      <summary>{t("org.audit")}</summary>
      <Loaded state={log}>
        {({ items }) => (
          <table>
            <tbody>
              {items
                .filter((e) => !festivalId || e.festivalId === festivalId || e.festivalId === null)
                .map((e) => (
                  <tr key={e.id}>
                    <td>{formatDateTime(e.createdAt)}</td>
                    <td>{e.action}</td>
                    <td>{e.entityType}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </details>
  );
}
