import { z } from "../../http/zod.js";
import { PLATFORM_ROLES, type PlatformRole } from "../../http/auth.js";

export const Me = z
  .object({
    id: z.uuid(),
    email: z.string().nullable(),
    emailVerified: z.boolean(),
    displayName: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    bio: z.string().nullable(),
    locale: z.string().nullable(),
    timezone: z.string().nullable(),
    roles: z.array(z.string()),
  })
  .openapi("Me");

export const UpdateMeBody = z.strictObject({
  displayName: z.string().trim().min(1).max(120).nullable().optional(),
  avatarUrl: z.url().max(2048).nullable().optional(),
  bio: z.string().max(2000).nullable().optional(),
  locale: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a BCP 47 tag such as en or pt-BR")
    .nullable()
    .optional(),
  timezone: z
    .string()
    .refine((tz) => Intl.supportedValuesOf("timeZone").includes(tz) || tz === "UTC", "an IANA time zone")
    .nullable()
    .optional(),
});

export const Network = z.enum(["evm", "stellar"]);
export const Wallet = z
  .object({ id: z.uuid(), network: Network, address: z.string(), label: z.string().nullable(), isPrimary: z.boolean(), verifiedAt: z.string() })
  .openapi("Wallet");
export const WalletIdParams = z.object({ walletId: z.uuid() });
export const UpdateWalletBody = z.strictObject({ label: z.string().trim().max(80).nullable().optional(), isPrimary: z.literal(true).optional() });

const Genres = z.array(z.string().trim().min(1).max(40)).max(20);
const Website = z.url().max(2048).nullable().optional();
export const ProfileKind = z.enum(["organizer", "artist", "content-creator", "sponsor", "fan"]);
export const ProfileBodies = {
  organizer: z.strictObject({
    companyName: z.string().trim().min(1).max(200),
    website: Website,
    taxId: z.string().trim().min(4).max(64).optional().openapi({ description: "encrypted at rest; only the last 4 characters are ever returned" }),
    bankDetails: z.string().trim().min(4).max(500).optional().openapi({ description: "encrypted at rest" }),
  }),
  artist: z.strictObject({
    stageName: z.string().trim().min(1).max(120),
    genres: Genres.default([]),
    bio: z.string().max(4000).nullable().optional(),
    website: Website,
  }),
  "content-creator": z.strictObject({
    channelName: z.string().trim().min(1).max(120),
    platforms: z.array(z.string().trim().min(1).max(40)).max(20).default([]),
    website: Website,
  }),
  sponsor: z.strictObject({ brandName: z.string().trim().min(1).max(200), website: Website }),
  fan: z.strictObject({ favouriteGenres: Genres.default([]) }),
} as const;
export const Profile = z.record(z.string(), z.unknown()).openapi("RoleProfile");
export const VerifyOrganizerBody = z.strictObject({ status: z.enum(["verified", "rejected", "pending"]) });
export const UserIdParams = z.object({ userId: z.uuid() });
export const RoleParams = z.object({ userId: z.uuid(), role: z.enum(PLATFORM_ROLES as [PlatformRole, ...PlatformRole[]]) });
export const Roles = z.object({ userId: z.uuid(), roles: z.array(z.string()) });
