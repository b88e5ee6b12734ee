import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import type { Knex } from "knex";
import { z } from "zod";
import type { Config } from "../../lib/config.js";
import { OperatorError } from "../../lib/errors.js";
import type { AuditContext } from "../../backend/src/http/audit-context.js";
import { systemAuditContext } from "../../backend/src/modules/audit/service.js";
import { createVerifiedAccount } from "../../backend/src/modules/auth/registration.js";
import { Email, Password } from "../../backend/src/modules/auth/schemas.js";
import { ProfileService } from "../../backend/src/modules/users/profiles.js";
import { grantRole } from "../../backend/src/modules/users/roles.js";
import { userIdByEmail } from "../../backend/src/modules/users/service.js";
import { HttpError } from "../../backend/src/http/errors.js";
import { DataBox } from "../../backend/src/security/encryption.js";

export const ADMIN_USAGE = `usage: npm run admin -- <command> [options]

  create-admin --email <email> --password <password> [--name <display name>]
      a new account with a verified email and the platform admin role
  grant-admin --email <email>         give an existing account the admin role
  verify-organizer --email <email>    mark an organizer profile verified (may publish and deploy events)
`;

/** Audit rows of the CLI: actor "system", the operator's OS user in the user agent. */
function cliContext(): AuditContext {
  return { ...systemAuditContext(), userAgent: `admin-cli (${userInfo().username})` };
}

const field = <T extends z.ZodType>(schema: T, name: string, value: unknown): z.output<T> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new OperatorError(`--${name}: ${value === undefined ? "is required" : parsed.error.issues[0]!.message}`);
  return parsed.data;
};

/**
 * The admin CLI's commands on the backend's own services (validation, audit rows), run by
 * scripts/admin.ts and in-process by the demo. Returns the line to print.
 */
export async function runAdminCommand(db: Knex, config: Config, argv: string[]): Promise<string> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { email: { type: "string" }, password: { type: "string" }, name: { type: "string" } } });
  } catch (error) {
    throw new OperatorError(`${(error as Error).message}\n${ADMIN_USAGE}`);
  }
  const { positionals, values } = parsed;
  const [command, ...rest] = positionals;
  if (rest.length) throw new OperatorError(`unexpected argument ${rest[0]}\n${ADMIN_USAGE}`);
  const ctx = cliContext();
  try {
    switch (command) {
      case "create-admin": {
        const email = field(Email, "email", values.email);
        const password = field(Password, "password", values.password);
        const { userId } = await createVerifiedAccount(db, ctx, { email, password, displayName: values.name });
        await grantRole(db, ctx, userId, "admin");
        return `created admin ${email} (user ${userId}); sign in with POST /api/v1/auth/password/sign-in`;
      }
      case "grant-admin": {
        const email = field(Email, "email", values.email);
        const userId = await userIdByEmail(db, email);
        const { roles } = await grantRole(db, ctx, userId, "admin");
        return `${email} (user ${userId}) now has roles ${roles.join(", ")}; a signed-in session sees it after signing in again`;
      }
      case "verify-organizer": {
        const email = field(Email, "email", values.email);
        const userId = await userIdByEmail(db, email);
        await new ProfileService(db, new DataBox(config.dataEncryptionKey), () => {}).verifyOrganizer(ctx, userId, "verified");
        return `organizer ${email} (user ${userId}) is verified`;
      }
      default:
        throw new OperatorError(command ? `unknown command ${command}\n${ADMIN_USAGE}` : ADMIN_USAGE);
    }
  } catch (error) {
    // the services' problems (409 email_taken, 404 user_not_found ...) are the operator's to fix
    if (error instanceof HttpError) throw new OperatorError(`${command}: ${error.message} (${error.code})`);
    throw error;
  }
}
