import { render, Component, type ComponentChildren, type ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { currentLang, setLang, t } from "./i18n.js";
import { interceptLinks, match, usePath, type PageName, type PageProps } from "./lib/router.js";
import { ErrorBox, Loading } from "./lib/ui.js";

/** One chunk per page: the pass and the scanner load only what they use. */
const pages: Record<PageName, () => Promise<{ default: ComponentType<PageProps> }>> = {
  home: () => import("./pages/home.js"),
  edition: () => import("./pages/edition.js"),
  signIn: () => import("./pages/sign-in-page.js"),
  tickets: () => import("./pages/tickets.js"),
  pass: () => import("./pages/pass.js"),
  scan: () => import("./pages/scan.js"),
  organizer: () => import("./pages/organizer.js"),
  payouts: () => import("./pages/payouts.js"),
  cashless: () => import("./pages/cashless.js"),
  order: () => import("./pages/order.js"),
  waitlists: () => import("./pages/waitlists.js"),
  vendor: () => import("./pages/vendor.js"),
  office: () => import("./pages/office.js"),
  notFound: () => import("./pages/not-found.js"),
};

class Boundary extends Component<{ children: ComponentChildren; resetKey: string }, { error?: unknown }> {
  override state: { error?: unknown } = {};
  override componentDidCatch(error: unknown) {
    this.setState({ error });
  }
  override componentDidUpdate(prev: { resetKey: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error !== undefined) this.setState({ error: undefined });
  }
  override render() {
    return this.state.error !== undefined ? <ErrorBox error={this.state.error} onRetry={() => this.setState({ error: undefined })} /> : this.props.children;
  }
}

function Page({ name, params }: { name: PageName; params: Record<string, string> }) {
  const [loaded, setLoaded] = useState<{ name: PageName; Component: ComponentType<PageProps> } | { name: PageName; error: unknown } | null>(null);
  useEffect(() => {
    let live = true;
    pages[name]().then(
      (m) => live && setLoaded({ name, Component: m.default }),
      (error) => live && setLoaded({ name, error }),
    );
    return () => {
      live = false;
    };
  }, [name]);
  if (!loaded || loaded.name !== name) return <Loading />;
  if ("error" in loaded) return <ErrorBox error={loaded.error} onRetry={() => location.reload()} />;
  return <loaded.Component params={params} />;
}

function Shell() {
  const path = usePath();
  const route = match(path);
  const [, setLangTick] = useState(0);
  const [fatal, setFatal] = useState<unknown>();
  useEffect(() => {
    const onError = (e: ErrorEvent) => setFatal(e.error ?? e.message);
    const onRejection = (e: PromiseRejectionEvent) => setFatal(e.reason);
    window.addEventListener("error", onError);
    window.addEventListener("unhandledrejection", onRejection);
    return () => {
      window.removeEventListener("error", onError);
      window.removeEventListener("unhandledrejection", onRejection);
    };
  }, []);
  const area = path.startsWith("/scan")
    ? "scan"
    : path.startsWith("/organizer")
      ? "organizer"
      : path.startsWith("/payouts")
        ? "payouts"
        : path.startsWith("/vendor")
          ? "vendor"
          : path.startsWith("/office")
            ? "office"
            : "fan";
  const fullScreen = route.page === "pass";
  return (
    <>
      <a class="skip" href="#main">
        {t("nav.skip")}
      </a>
      {!fullScreen && (
        <header class="top">
          <a class="brand" href={area === "scan" || area === "organizer" || area === "vendor" || area === "office" ? `/${area}` : "/"}>
            {t("app.name")}
          </a>
          <nav aria-label="main">
            {area === "fan" || area === "payouts" ? (
              <>
                <a href="/">{t("nav.festivals")}</a>
                <a href="/tickets">{t("nav.tickets")}</a>
                <a href="/waitlists">{t("nav.waitlists")}</a>
                <a href="/cashless">{t("nav.cashless")}</a>
                <a href="/payouts">{t("nav.payouts")}</a>
              </>
            ) : null}
          </nav>
          <button
            type="button"
            class="link"
            lang={currentLang() === "en" ? "fr" : "en"}
            onClick={() => {
              setLang(currentLang() === "en" ? "fr" : "en");
              setLangTick((n) => n + 1);
            }}
          >
            {t("nav.language")}
          </button>
        </header>
      )}
      {fatal !== undefined && (
        <div class="banner">
          <ErrorBox error={fatal} onRetry={() => setFatal(undefined)} />
        </div>
      )}
      <main id="main" tabIndex={-1} class={fullScreen ? "full" : ""}>
        <Boundary resetKey={path}>
          <Page key={`${route.page}:${currentLang()}`} name={route.page} params={route.params} />
        </Boundary>
      </main>
    </>
  );
}

interceptLinks();
render(<Shell />, document.getElementById("app")!);
