import { v7 as uuidv7 } from "uuid";

/** Primary keys: UUIDv7 made in the app, so ids are unguessable and time-ordered. */
export function newId(): string {
  return uuidv7();
}
