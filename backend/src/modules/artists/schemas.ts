import { z } from "../../http/zod.js";
import { Url } from "../festivals/schemas.js";

export const ArtistParams = z.object({ artistId: z.uuid() });

export const Artist = z
  .object({
    id: z.uuid(),
    festivalId: z.uuid(),
    userId: z.uuid().nullable(),
    name: z.string(),
    genre: z.string().nullable(),
    bio: z.string().nullable(),
    links: z.record(z.string(), z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Artist");

export const CreateArtistBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  genre: z.string().trim().min(1).max(80).nullable().optional(),
  bio: z.string().max(10_000).nullable().optional(),
  links: z
    .record(
      z
        .string()
        .regex(/^[a-z][a-z0-9_]*$/)
        .max(40),
      Url,
    )
    .optional(),
  userId: z.uuid().nullable().optional().openapi({ description: "the artist's own account, if they have one" }),
});
export const UpdateArtistBody = CreateArtistBody.partial();
export const ListArtistsQuery = z.object({ q: z.string().trim().min(1).max(100).optional() });

export type CreateArtistBody = z.output<typeof CreateArtistBody>;
export type UpdateArtistBody = z.output<typeof UpdateArtistBody>;
