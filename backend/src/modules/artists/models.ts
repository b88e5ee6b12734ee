export type ArtistRow = {
  id: string;
  festival_id: string;
  user_id: string | null;
  name: string;
  genre: string | null;
  bio: string | null;
  links: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

export function artistDto(r: ArtistRow) {
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
