import { SoftDeletableModel } from "../audit/audited-model.js";

export class Artist extends SoftDeletableModel {
  static override tableName = "artists";
  static override jsonAttributes = ["links"];
  declare festival_id: string;
  declare user_id: string | null;
  declare name: string;
  declare genre: string | null;
  declare bio: string | null;
  declare links: Record<string, string>;
}

export function artistDto(r: Artist) {
  return {
    id: r.id,
    festivalId: r.festival_id,
    userId: r.user_id,
    name: r.name,
    genre: r.genre,
    bio: r.bio,
    links: r.links,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
