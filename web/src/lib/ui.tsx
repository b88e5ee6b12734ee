import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { errorWords } from "./api.js";
import { t } from "../i18n.js";

/** What went wrong, in words, with a way forward. Never a blank screen. */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { message, fields } = errorWords(error);
  return (
    <div class="error" role="alert">
      <strong>{t("error.title")}</strong>
      <p data-testid="error-detail">{message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  return (
    <p class="muted" role="status">
      {t("common.loading")}
    </p>
  );
}

/** Loads `load()` (again when `deps` change); renders the error or the value. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { value?: T; error?: unknown; reload: () => void; loading: boolean } {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (value) => live && setState({ value, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export function Loaded<T>({ state, children }: { state: { value?: T; error?: unknown; reload: () => void }; children: (value: T) => ComponentChildren }) {
  if (state.error !== undefined && state.value === undefined) return <ErrorBox error={state.error} onRetry={state.reload} />;
  if (state.value === undefined) return <Loading />;
  return <>{children(state.value)}</>;
}

/** A form whose submit runs `action`, showing progress and the error in words. */
export function Form({
  action,
  children,
  submit,
  testId,
}: {
  action: (data: FormData) => Promise<unknown>;
  children: ComponentChildren;
  submit: string;
  testId?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <form
      class="form"
      data-testid={testId}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await action(new FormData(e.currentTarget as HTMLFormElement));
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      {children}
      {error !== undefined && <ErrorBox error={error} />}
      <button type="submit" disabled={busy}>
        {busy ? t("common.loading") : submit}
      </button>
    </form>
  );
}

export function Field({
  label,
  name,
  type = "text",
  value,
  required = true,
  ...rest
}: {
  label: string;
  name: string;
  type?: string;
  value?: string;
  required?: boolean;
  [k: string]: unknown;
}) {
  return (
    <label class="field">
      <span>{label}</span>
      <input name={name} type={type as "text"} defaultValue={value} required={required} {...rest} />
    </label>
  );
}
