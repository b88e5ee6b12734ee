import { StrKey } from "@stellar/stellar-sdk";
import { z } from "../../http/zod.js";

export const Email = z
  .email()
  .max(254)
  .transform((v) => v.toLowerCase());
// NIST 800-63B: length over composition rules; 128 caps argon2 input cost.
export const Password = z.string().min(12, "must be at least 12 characters").max(128);
/** A Stellar account id (G... strkey) with a valid checksum: the SDK refuses a bad one deep inside with a 500. */
export const StellarAccount = z
  .string()
  .regex(/^G[A-Z2-7]{55}$/, "must be a Stellar account id (G...)")
  .refine((v) => StrKey.isValidEd25519PublicKey(v), "is not a valid Stellar account id (bad checksum)");

export const SessionTokens = z
  .object({
    tokenType: z.literal("Bearer"),
    userId: z.uuid(),
    sessionId: z.uuid(),
    accessToken: z.string(),
    accessTokenExpiresAt: z.string(),
    refreshToken: z.string(),
    refreshTokenExpiresAt: z.string(),
  })
  .openapi("SessionTokens");

export const SiweNonce = z.object({
  nonce: z.string(),
  domain: z.string(),
  uri: z.string(),
  chainIds: z.array(z.number().int()),
  expiresAt: z.string(),
});
export const SiweVerifyBody = z.object({
  message: z.string().min(1).max(4096).openapi({ description: "the EIP-4361 message, exactly as signed" }),
  signature: z
    .string()
    .regex(/^0x[0-9a-fA-F]+$/, "must be 0x-prefixed hex")
    .max(20_000),
});

export const StellarChallengeBody = z.object({ account: StellarAccount });
export const StellarChallenge = z.object({
  transaction: z.string().openapi({ description: "challenge transaction (XDR, base64) to sign with the account's key(s)" }),
  networkPassphrase: z.string(),
  serverAccountId: z.string(),
  expiresAt: z.string(),
});
export const StellarVerifyBody = z.object({ transaction: z.string().min(1).max(20_000) });

export const RegisterBody = z.object({ email: Email, password: Password, displayName: z.string().trim().min(1).max(120).optional() });
export const PasswordSignInBody = z.object({ email: Email, password: z.string().min(1).max(128) });
export const TokenBody = z.object({ token: z.string().min(16).max(200) });
export const ForgotPasswordBody = z.object({ email: Email });
export const ResetPasswordBody = z.object({ token: z.string().min(16).max(200), password: Password });
export const RefreshBody = z.object({ refreshToken: z.string().min(16).max(200) });

export const Principal = z
  .object({
    kind: z.enum(["user", "api_key"]),
    userId: z.uuid(),
    sessionId: z.uuid().nullable(),
    apiKeyId: z.uuid().nullable(),
    roles: z.array(z.string()),
    scopes: z.array(z.string()).nullable(),
  })
  .openapi("Principal");

// linking a wallet to the signed-in account
export const LinkEvmWalletBody = z.strictObject({
  message: z.string().min(1).max(4096),
  signature: z
    .string()
    .regex(/^0x[0-9a-fA-F]+$/, "must be 0x-prefixed hex")
    .max(20_000),
  label: z.string().trim().max(80).optional(),
});
export const LinkStellarChallengeBody = z.strictObject({ account: StellarAccount });
export const LinkStellarWalletBody = z.strictObject({ transaction: z.string().min(1).max(20_000), label: z.string().trim().max(80).optional() });
