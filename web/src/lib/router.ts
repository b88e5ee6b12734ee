import { useEffect, useState } from "preact/hooks";

/** History-API routing: links are real <a href>, clicks stay in the page. */
export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new Event("route-changed"));
  window.scrollTo(0, 0);
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener("popstate", update);
    window.addEventListener("route-changed", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("route-changed", update);
    };
  }, []);
  return path;
}

/** Same-origin link clicks become navigations (modifier keys and new tabs keep the browser's behaviour). */
export function interceptLinks(): void {
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element).closest?.("a");
    if (!link || link.target || link.hasAttribute("download")) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/docs")) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

/** What every page component gets: the route's parameters. */
export interface PageProps {
  params: Record<string, string>;
}

export interface Route {
  page: PageName;
  params: Record<string, string>;
}

export type PageName =
  "home" | "edition" | "signIn" | "tickets" | "pass" | "scan" | "organizer" | "payouts" | "cashless" | "order" | "waitlists" | "vendor" | "office" | "notFound";

const table: Array<[RegExp, PageName, string[]]> = [
  [/^\/$/, "home", []],
  [/^\/editions\/([^/]+)\/?$/, "edition", ["editionId"]],
  [/^\/sign-in\/?$/, "signIn", []],
  [/^\/tickets\/?$/, "tickets", []],
  [/^\/pass\/(0x[0-9a-fA-F]{40})\/(\d+)\/?$/, "pass", ["contract", "tokenId"]],
  [/^\/scan(\/.*)?$/, "scan", []],
  [/^\/organizer(?:\/festivals\/([^/]+))?(\/.*)?$/, "organizer", ["festivalId"]],
  [/^\/payouts(\/.*)?$/, "payouts", []],
  [/^\/cashless\/?$/, "cashless", []],
  [/^\/orders\/([0-9a-fA-F-]{36})\/?$/, "order", ["orderId"]],
  [/^\/waitlists\/?$/, "waitlists", []],
  [/^\/vendor(?:\/stands\/([^/]+)(?:\/(pickup))?)?\/?$/, "vendor", ["standId", "pickup"]],
  [/^\/office\/?$/, "office", []],
];

export function match(path: string): Route {
  for (const [re, page, names] of table) {
    const m = re.exec(path);
    if (m) {
      const params: Record<string, string> = {};
      names.forEach((n, i) => {
        if (m[i + 1] !== undefined) params[n] = decodeURIComponent(m[i + 1]!);
      });
      return { page, params };
    }
  }
  return { page: "notFound", params: {} };
}
