import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { OrganizerProfile } from "./models.js";

/**
 * Publishing (an edition, an event, a schedule) and deploying an on-chain event need a
 * verified organizer: the caller's organizer profile, verified by a platform admin
 * (POST /api/v1/users/{userId}/profiles/organizer/verification). Platform admins pass.
 * Callers: festivals (editions), events, schedule (publication), event-contracts (prepare, deploy).
 */
export async function assertVerifiedOrganizer(db: Knex | Knex.Transaction, principal: Principal): Promise<void> {
  if (principal.roles.has("admin")) return;
  const profile = await OrganizerProfile.query(db).where({ user_id: principal.userId }).first().select("verification_status");
  if (profile?.verification_status === "verified") return;
  throw new HttpError(
    403,
    "organizer_not_verified",
    profile
      ? `your organizer profile is ${profile.verification_status}: a platform admin must verify it before you publish or deploy`
      : "publishing and deploying need a verified organizer profile: create one (PUT /api/v1/me/profiles/organizer) and have a platform admin verify it",
  );
}
