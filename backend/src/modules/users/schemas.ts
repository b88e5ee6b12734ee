import { z } from "../../http/zod.js";

export const Me = z
  .object({
    id: z.uuid(),
    email: z.string().nullable(),
    emailVerified: z.boolean(),
    displayName: z.string().nullable(),
    roles: z.array(z.string()),
  })
  .openapi("Me");
