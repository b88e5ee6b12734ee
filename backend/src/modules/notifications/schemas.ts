import { z } from "../../http/zod.js";

export const DeviceTokenParams = z.object({ tokenId: z.uuid() });
export const DeviceToken = z
  .object({ id: z.uuid(), platform: z.enum(["ios", "android", "web"]), tokenPreview: z.string(), lastRegisteredAt: z.string(), createdAt: z.string() })
  .openapi("DeviceToken");
export const RegisterDeviceTokenBody = z.strictObject({
  platform: z.enum(["ios", "android", "web"]),
  token: z.string().min(8).max(4096),
});
export const Notification = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    channel: z.enum(["ios", "android", "web", "none"]),
    title: z.string(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()),
    status: z.enum(["delivered", "failed", "no_device"]),
    error: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .openapi("Notification");

export type RegisterDeviceTokenBody = z.output<typeof RegisterDeviceTokenBody>;
