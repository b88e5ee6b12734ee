import { t } from "../i18n.js";

export default function NotFound() {
  return (
    <div class="error" role="alert">
      <p>{t("error.notFound")}</p>
      <a href="/">{t("nav.festivals")}</a>
    </div>
  );
}
