import { useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { SignIn, SignedInBar } from "../lib/sign-in.js";
import type { Page } from "../lib/types.js";
import { ErrorBox, Field, Form, Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import { formatDateTime, t } from "../i18n.js";

interface Company {
  id: string;
  name: string;
  defaultCurrency: string;
  expenseCategories: string[];
  myRoles: string[];
}
interface Expense {
  id: string;
  category: string;
  description: string;
  expenseDate: string;
  amountMinor: string;
  currency: string;
  status: string;
  requiredApprovals: number;
  approvals: unknown[];
  receipts: unknown[];
  rejectionReason: string | null;
  submitterUserId: string;
}
interface Contract {
  id: string;
  number: string;
  status: string;
  currentVersion: number;
  signedVersion: number | null;
  versions?: Array<{
    version: number;
    feeMinor: string;
    currency: string;
    startsOn: string;
    endsOn: string;
    amendmentReason: string | null;
    signedAt: string | null;
  }>;
  signatureRequests?: Array<{ id: string; version: number; provider: string; status: string }>;
}

const as = "office" as const;
const APPROVERS = ["admin", "accountant", "system_admin"];
const money = (minor: string, currency: string) => `${(Number(minor) / 100).toFixed(2)} ${currency}`;

/**
 * The back office: an artist's contracts (versions, status, signing) and expenses (a receipt
 * uploaded with each); an approver's queue. The API decides who may approve what (never one's
 * own expense, never above one's limit) and this page shows its words when it refuses.
 */
export default function Office() {
  const session = useSession(as);
  if (!session) {
    return (
      <>
        <h1>{t("office.title")}</h1>
        <SignIn area={as} methods={["email"]} />
      </>
    );
  }
  return <Companies />;
}

function Companies() {
  const companies = useLoad(async () => {
    const { items } = await api<{ items: Array<{ companyId: string }> }>("/companies", { as });
    return Promise.all(items.map((c) => api<Company>(`/companies/${c.companyId}`, { as })));
  }, []);
  return (
    <>
      <SignedInBar area={as} />
      <h1>{t("office.title")}</h1>
      <Loaded state={companies}>
        {(list) =>
          list.length === 0 ? (
            <p>{t("office.noCompany")}</p>
          ) : (
            <>
              {list.map((c) => (
                <section key={c.id} aria-label={c.name}>
                  <h2>{c.name}</h2>
                  {c.myRoles.includes("artist") && (
                    <>
                      <Contracts company={c} />
                      <Expenses company={c} />
                    </>
                  )}
                  {c.myRoles.some((r) => APPROVERS.includes(r)) && <Queue company={c} />}
                </section>
              ))}
            </>
          )
        }
      </Loaded>
    </>
  );
}

function Contracts({ company }: { company: Company }) {
  const contracts = useLoad(async () => {
    const page = await api<Page<Contract>>(`/companies/${company.id}/contracts?limit=50`, { as });
    return Promise.all(page.items.map((c) => api<Contract>(`/companies/${company.id}/contracts/${c.id}`, { as })));
  }, [company.id]);
  const [error, setError] = useState<unknown>();
  return (
    <>
      <h3>{t("office.contracts")}</h3>
      <Loaded state={contracts}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">{t("common.none")}</p>
          ) : (
            <ul class="cards">
              {items.map((c) => (
                <li class="card" key={c.id} data-testid="contract">
                  <div class="spread">
                    <strong>{c.number}</strong>
                    <span class="tag">{t("office.contractStatus", { status: c.status })}</span>
                  </div>
                  <ul>
                    {(c.versions ?? []).map((v) => (
                      <li key={v.version}>
                        {t("office.version", { n: v.version })}: {money(v.feeMinor, v.currency)} · {v.startsOn} – {v.endsOn}
                        {v.amendmentReason && <span class="muted"> · {v.amendmentReason}</span>}
                        {v.signedAt && <span class="muted"> · {t("office.signedAt", { at: formatDateTime(v.signedAt) })}</span>}
                      </li>
                    ))}
                  </ul>
                  {(c.signatureRequests ?? [])
                    .filter((r) => r.status !== "completed" && r.status !== "declined" && r.status !== "voided")
                    .map((r) =>
                      r.provider === "manual" ? (
                        <button
                          key={r.id}
                          type="button"
                          onClick={async () => {
                            setError(undefined);
                            try {
                              await api(`/companies/${company.id}/contracts/${c.id}/signature-requests/${r.id}/sign`, { as, method: "POST" });
                              contracts.reload();
                            } catch (e) {
                              setError(e);
                            }
                          }}
                        >
                          {t("office.sign", { n: r.version })}
                        </button>
                      ) : (
                        <p key={r.id} class="muted">
                          {t("office.signByMail", { provider: r.provider })}
                        </p>
                      ),
                    )}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      {error !== undefined && <ErrorBox error={error} />}
    </>
  );
}

function ExpenseLine({ e }: { e: Expense }) {
  return (
    <>
      <div class="spread">
        <strong>
          {e.category}: {money(e.amountMinor, e.currency)}
        </strong>
        <span class="tag" data-testid="expense-status">
          {t("office.expenseStatus", { status: e.status })}
        </span>
      </div>
      <div class="muted">
        {e.expenseDate} · {e.description}
      </div>
      {e.rejectionReason && <p>{t("office.rejectedBecause", { reason: e.rejectionReason })}</p>}
    </>
  );
}

function Expenses({ company }: { company: Company }) {
  const expenses = useLoad(() => api<Page<Expense>>(`/companies/${company.id}/expenses?mine=true&limit=50`, { as }), [company.id]);
  const today = new Date().toISOString().slice(0, 10);
  return (
    <>
      <h3>{t("office.expenses")}</h3>
      <Loaded state={expenses}>
        {({ items }) => (
          <ul class="cards">
            {items.map((e) => (
              <li class="card" key={e.id} data-testid="my-expense">
                <ExpenseLine e={e} />
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <details class="card" open={expenses.value?.items.length === 0}>
        <summary>{t("office.newExpense")}</summary>
        <Form
          submit={t("office.submitExpense")}
          testId="new-expense"
          action={async (d) => {
            const file = d.get("receipt") as File | null;
            if (!file || file.size === 0) throw new Error(t("office.receiptNeeded"));
            const amountMinor = Math.round(Number(String(d.get("amount")).replace(",", ".")) * 100);
            const created = await api<Expense>(`/companies/${company.id}/expenses`, {
              as,
              body: {
                category: String(d.get("category")),
                description: String(d.get("description")).trim(),
                expenseDate: String(d.get("date")),
                amountMinor,
                currency: String(d.get("currency")).trim().toUpperCase(),
              },
            });
            await api(`/companies/${company.id}/expenses/${created.id}/receipts?fileName=${encodeURIComponent(file.name)}`, { as, rawBody: file });
            await api(`/companies/${company.id}/expenses/${created.id}/submit`, { as, method: "POST" });
            expenses.reload();
          }}
        >
          <label class="field">
            <span>{t("office.category")}</span>
            <select name="category" required>
              {company.expenseCategories.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <Field label={t("office.description")} name="description" />
          <Field label={t("office.date")} name="date" type="date" value={today} max={today} />
          <Field label={t("office.amount")} name="amount" inputMode="decimal" />
          <Field label={t("office.currency")} name="currency" value={company.defaultCurrency} maxLength={3} />
          <Field label={t("office.receipt")} name="receipt" type="file" accept="image/jpeg,image/png,application/pdf" />
        </Form>
      </details>
    </>
  );
}

function Queue({ company }: { company: Company }) {
  const queue = useLoad(() => api<Page<Expense>>(`/companies/${company.id}/approval-queue?limit=50`, { as }), [company.id]);
  return (
    <>
      <h3>{t("office.queue")}</h3>
      <Loaded state={queue}>
        {({ items }) =>
          items.length === 0 ? (
            <p class="muted" data-testid="queue-empty">
              {t("office.queueEmpty")}
            </p>
          ) : (
            <ul class="cards">
              {items.map((e) => (
                <Decision key={e.id} company={company} expense={e} onDone={queue.reload} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}

function Decision({ company, expense, onDone }: { company: Company; expense: Expense; onDone: () => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState("");
  const act = async (action: "approve" | "reject") => {
    setBusy(true);
    setError(undefined);
    try {
      await api(`/companies/${company.id}/expenses/${expense.id}/${action}`, { as, body: action === "approve" ? {} : { reason } });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="card" data-testid="queued-expense">
      <ExpenseLine e={expense} />
      <p class="muted">{t("office.approvals", { n: expense.approvals.length, of: expense.requiredApprovals })}</p>
      <div class="row">
        <button type="button" disabled={busy} onClick={() => act("approve")}>
          {t("office.approve")}
        </button>
      </div>
      <label class="field">
        <span>{t("office.rejectReason")}</span>
        <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </label>
      <button type="button" class="secondary" disabled={busy || !reason.trim()} onClick={() => act("reject")}>
        {t("office.reject")}
      </button>
      {error !== undefined && <ErrorBox error={error} />}
    </li>
  );
}
