import { api } from "../lib/api.js";
import type { Page, PublicEdition } from "../lib/types.js";
import { Loaded, useLoad } from "../lib/ui.js";
import { formatDateTime, t } from "../i18n.js";

export default function Home() {
  const editions = useLoad(() => api<Page<PublicEdition>>("/public/editions?limit=50"), []);
  return (
    <>
      <h1>{t("home.title")}</h1>
      <p class="muted">{t("home.intro")}</p>
      <Loaded state={editions}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t("home.empty")}</p>
          ) : (
            <ul class="cards">
              {page.items.map((e) => (
                <li class="card" key={e.id}>
                  <a href={`/editions/${e.id}`}>
                    <strong>
                      {e.festivalName} · {e.name}
                    </strong>
                  </a>
                  <div class="muted">
                    {formatDateTime(e.startsAt, e.timezone)} – {formatDateTime(e.endsAt, e.timezone)}
                  </div>
                  {e.festivalDescription && <p>{e.festivalDescription}</p>}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}
