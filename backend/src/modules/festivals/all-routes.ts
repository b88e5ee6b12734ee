import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../app.js";
import { artistRoutes } from "../artists/routes.js";
import { eventRoutes } from "../events/routes.js";
import { notificationRoutes } from "../notifications/routes.js";
import { personalScheduleRoutes } from "../personal-schedules/routes.js";
import { scheduleRoutes } from "../schedule/routes.js";
import { venueRoutes } from "../venues/routes.js";
import { waitlistRoutes } from "../waitlists/routes.js";
import { festivalRoutes } from "./routes.js";

/** Every route of the festival side (issue 6), so app.ts mounts them in one line. */
export function festivalDomainRoutes(api: ApiRouter, deps: RouteDeps): void {
  festivalRoutes(api, deps);
  eventRoutes(api, deps);
  venueRoutes(api, deps);
  artistRoutes(api, deps);
  scheduleRoutes(api, deps);
  personalScheduleRoutes(api, deps);
  waitlistRoutes(api, deps);
  notificationRoutes(api, deps);
}
