import type { Request } from "express";
import type { Knex } from "knex";
import { Model } from "objection";
import { newId } from "../../../lib/ids.js";
import { principalKey, type Principal } from "./auth.js";
import { HttpError } from "./errors.js";
import { sha256Hex } from "../security/tokens.js";

const KEY_FORMAT = /^[A-Za-z0-9._:-]{8,200}$/;
const RETAIN_HOURS = 24;
/**
 * A key left in progress longer than this was abandoned: its process died mid-request (a
 * SIGKILL, a lost machine) and never completed or released it. The client's retry takes the
 * key over and runs the request, instead of meeting a 409 for 24 h. No request here runs
 * anywhere near this long.
 */
const ABANDONED_AFTER_SECONDS = 120;

/** One caller's Idempotency-Key: the request it was first used for and, once done, its response. */
export class IdempotencyKey extends Model {
  static override tableName = "idempotency_keys";
  static override idColumn = "id";
  declare id: string;
  /** "user:<id>", "api_key:<id>" or "ip:<address>": keys are per caller */
  declare principal: string;
  declare key: string;
  declare method: string;
  declare path: string;
  declare request_hash: string;
  declare state: "in_progress" | "completed";
  declare response_status: number | null;
  /** jsonb: written as its JSON text, read back parsed */
  declare response_body: unknown;
  declare created_at: Date;
  declare completed_at: Date | null;
  declare expires_at: Date;
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * `Idempotency-Key` for money-moving POSTs (declare `idempotent: true` on the route).
 * Keys are per caller. The first request runs and its response (status < 500) is stored;
 * a replay with the same key and the same request gets that response back with
 * `Idempotent-Replayed: true`; the same key with a different request is a 422; a replay
 * while the first is still running is a 409. A failed first request (5xx or thrown error)
 * releases the key so the client can retry, and so does one abandoned in progress (its
 * process died). Keys are kept 24 h.
 */
export class IdempotencyStore {
  constructor(private readonly db: Knex) {}

  async run(req: Request, principal: Principal | undefined, execute: () => Promise<StoredResponse>): Promise<StoredResponse & { replayed: boolean }> {
    const key = req.get("idempotency-key");
    if (key === undefined) return { ...(await execute()), replayed: false };
    if (!KEY_FORMAT.test(key)) {
      throw new HttpError(400, "invalid_idempotency_key", "Idempotency-Key must be 8-200 characters of [A-Za-z0-9._:-]", [
        { field: "headers.idempotency-key", message: "must be 8-200 characters of [A-Za-z0-9._:-]" },
      ]);
    }
    const owner = principal ? principalKey(principal) : `ip:${req.ip}`;
    const requestHash = sha256Hex(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`);
    const id = newId();
    await IdempotencyKey.query(this.db).where({ principal: owner, key }).where("expires_at", "<", this.db.fn.now()).delete();
    // knex for the insert: on a conflict it returns no row, where objection would hand back the values it sent
    const inserted = await this.db(IdempotencyKey.tableName)
      .insert({
        id,
        principal: owner,
        key,
        method: req.method,
        path: req.originalUrl.slice(0, 512),
        request_hash: requestHash,
        expires_at: this.db.raw(`now() + interval '${RETAIN_HOURS} hours'`),
      })
      .onConflict(["principal", "key"])
      .ignore()
      .returning("id");

    if (inserted.length === 0) {
      const existing = await IdempotencyKey.query(this.db).where({ principal: owner, key }).first();
      if (!existing) throw new HttpError(409, "idempotency_conflict", "a request with this Idempotency-Key just finished; retry");
      if (existing.request_hash !== requestHash) {
        throw new HttpError(422, "idempotency_key_reused", "this Idempotency-Key was used for a different request");
      }
      if (existing.state === "completed" && existing.response_status !== null) {
        return { status: existing.response_status, body: existing.response_body, replayed: true };
      }
      // in progress: take it over if it was abandoned (one retry wins the update), else ask the client to wait
      const takenOver = await this.db(IdempotencyKey.tableName)
        .where({ id: existing.id, state: "in_progress" })
        .where("created_at", "<", this.db.raw(`now() - interval '${ABANDONED_AFTER_SECONDS} seconds'`))
        .update({ id, created_at: this.db.fn.now() })
        .returning("id");
      if (takenOver.length === 0) throw new HttpError(409, "idempotency_in_progress", "a request with this Idempotency-Key is still being processed");
    }

    let response: StoredResponse;
    try {
      response = await execute();
    } catch (error) {
      await IdempotencyKey.query(this.db).deleteById(id);
      throw error;
    }
    if (response.status >= 500) {
      await IdempotencyKey.query(this.db).deleteById(id);
    } else {
      await IdempotencyKey.query(this.db)
        .findById(id)
        .patch({
          state: "completed",
          response_status: response.status,
          response_body: JSON.stringify(response.body ?? null),
          completed_at: this.db.fn.now(),
        });
    }
    return { ...response, replayed: false };
  }
}
