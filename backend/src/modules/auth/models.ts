import { Model, type RelationMappings } from "objection";

/** What a SIWE nonce or a SEP-10 challenge is for. */
export type NoncePurpose = "sign_in" | "link_wallet";
export type SignInMethod = "siwe" | "sep10" | "password";
export type EmailTokenPurpose = "verify_email" | "reset_password";
export type SessionRevokedReason = "logout" | "password_reset" | "admin" | "refresh_token_reuse";

/** An account's password (argon2id) and its lockout state; the account itself is the users module's. */
export class UserPassword extends Model {
  static override tableName = "user_passwords";
  static override idColumn = "user_id";
  declare user_id: string;
  declare password_hash: string;
  declare failed_attempts: number;
  declare locked_until: Date | null;
  declare password_changed_at: Date;
  declare created_at: Date;
  declare updated_at: Date;
  declare created_by: string | null;
  declare updated_by: string | null;
}

/** A single-use SIWE nonce; `user_id` binds a wallet-link nonce to who asked. */
export class AuthNonce extends Model {
  static override tableName = "auth_nonces";
  static override idColumn = "id";
  declare id: string;
  declare nonce: string;
  declare purpose: NoncePurpose;
  declare user_id: string | null;
  declare created_at: Date;
  declare expires_at: Date;
  declare consumed_at: Date | null;
}

/** A single-use SEP-10 challenge, by the hash of its transaction. */
export class StellarChallenge extends Model {
  static override tableName = "stellar_challenges";
  static override idColumn = "id";
  declare id: string;
  declare tx_hash: string;
  declare account: string;
  declare purpose: NoncePurpose;
  declare user_id: string | null;
  declare created_at: Date;
  declare expires_at: Date;
  declare consumed_at: Date | null;
}

/** A mailed single-use token (sha-256 stored): email verification or password reset. */
export class EmailToken extends Model {
  static override tableName = "email_tokens";
  static override idColumn = "id";
  declare id: string;
  declare user_id: string;
  declare purpose: EmailTokenPurpose;
  declare token_hash: string;
  declare created_at: Date;
  declare expires_at: Date;
  declare consumed_at: Date | null;
}

/** A signed-in session: a family of refresh tokens. */
export class AuthSession extends Model {
  static override tableName = "auth_sessions";
  static override idColumn = "id";
  declare id: string;
  declare user_id: string;
  declare method: SignInMethod | "test";
  declare ip: string | null;
  declare user_agent: string | null;
  declare created_at: Date;
  declare expires_at: Date;
  declare last_refreshed_at: Date | null;
  declare revoked_at: Date | null;
  declare revoked_reason: SessionRevokedReason | null;
  declare refreshTokens?: RefreshToken[];

  static override get relationMappings(): RelationMappings {
    return {
      refreshTokens: { relation: Model.HasManyRelation, modelClass: RefreshToken, join: { from: "auth_sessions.id", to: "refresh_tokens.session_id" } },
    };
  }
}

/** One refresh token of a session (sha-256 stored); rotated once, a second use revokes the session. */
export class RefreshToken extends Model {
  static override tableName = "refresh_tokens";
  static override idColumn = "id";
  declare id: string;
  declare session_id: string;
  declare token_hash: string;
  declare created_at: Date;
  declare expires_at: Date;
  declare rotated_at: Date | null;
  declare session?: AuthSession;

  static override get relationMappings(): RelationMappings {
    return { session: { relation: Model.BelongsToOneRelation, modelClass: AuthSession, join: { from: "refresh_tokens.session_id", to: "auth_sessions.id" } } };
  }
}
