import type { Knex } from "knex";
import { zeroAddress, type Address } from "viem";
import { eventFactoryAbi } from "../../../../lib/abis/EventFactory.js";
import type { ChainDeps } from "../../http/chain.js";
import { HttpError, type FieldError } from "../../http/errors.js";
import { eventContext } from "../events/service.js";
import { editionContext } from "../festivals/service.js";
import type { Draft } from "./draft.js";
import type { CreateEventContractBody } from "./schemas.js";

/**
 * The rules a draft must pass before it is stored, so that what the organizer is asked to
 * sign cannot fail on-chain for a reason we could have told them (422, field by field).
 * The shape of each field is the schema's (400); these need the festival or the chain.
 * The contracts hold the same rules (RevenueSplit._setPayees, EventTicket._storeTier):
 * deploying simulates the call first, so a rule missed here is still a 422, not a 500.
 */
const BPS = 10_000;

export async function validateDraft(
  db: Knex,
  chain: ChainDeps,
  factory: Address,
  festivalId: string,
  body: Pick<CreateEventContractBody, "editionId" | "eventId">,
  draft: Draft,
): Promise<void> {
  await checkBelongsToFestival(db, festivalId, body);
  await checkPayees(db, chain, factory, draft);
  await checkCurrencies(chain, draft);
}

async function checkBelongsToFestival(db: Knex, festivalId: string, body: Pick<CreateEventContractBody, "editionId" | "eventId">) {
  if (body.editionId) {
    const edition = await editionContext(db, body.editionId);
    if (edition?.festivalId !== festivalId) {
      throw new HttpError(422, "invalid_edition", "editionId is not an edition of this festival", [
        { field: "body.editionId", message: "not an edition of this festival" },
      ]);
    }
  }
  if (body.eventId) {
    const event = await eventContext(db, body.eventId);
    if (event?.festivalId !== festivalId) {
      throw new HttpError(422, "invalid_event", "eventId is not an event of this festival", [
        { field: "body.eventId", message: "not an event of this festival" },
      ]);
    }
  }
}

async function checkPayees(db: Knex, chain: ChainDeps, factory: Address, draft: Draft) {
  const errors: FieldError[] = [];
  const fee = await platformFee(db, chain, factory);
  const seen = new Set<string>();
  draft.payees.forEach((p, i) => {
    const field = `body.payees.${i}`;
    const account = p.account.toLowerCase();
    if (account === zeroAddress) errors.push({ field: `${field}.account`, message: "must not be the zero address" });
    else if (fee.bps > 0 && account === fee.recipient)
      errors.push({ field: `${field}.account`, message: "is the platform fee recipient, which the split already pays" });
    else if (seen.has(account)) errors.push({ field: `${field}.account`, message: "appears more than once" });
    seen.add(account);
    if (p.shareBps === 0 && BigInt(p.fixedAmount) === 0n) errors.push({ field: field, message: "needs a share or a fixed amount" });
  });
  if (errors.length) throw new HttpError(422, "invalid_payees", "some payees cannot be paid by the revenue split", errors);
  const shares = draft.payees.reduce((n, p) => n + p.shareBps, 0);
  if (shares + fee.bps > BPS) {
    throw new HttpError(422, "payee_shares_exceed_total", `payee shares (${shares} bps) plus the platform fee (${fee.bps} bps) exceed 10,000 bps`, [
      { field: "body.payees", message: `shares may add up to at most ${BPS - fee.bps} bps (the platform fee is ${fee.bps} bps)` },
    ]);
  }
}

/** The factory's platform fee: from the chain, or the mirror's last PlatformFeeSet when the node does not answer. */
async function platformFee(db: Knex, chain: ChainDeps, factory: Address): Promise<{ recipient: string; bps: number }> {
  try {
    const [recipient, bps] = await chain.client.readContract({ address: factory, abi: eventFactoryAbi, functionName: "platformFee" });
    return { recipient: recipient.toLowerCase(), bps };
  } catch {
    const row = await db("chain_platform_fee_changes")
      .where({ chain_id: chain.chainId, contract_address: factory })
      .orderBy([
        { column: "block_number", order: "desc" },
        { column: "log_index", order: "desc" },
      ])
      .first("recipient", "fee_bps");
    if (!row) throw new HttpError(503, "chain_unavailable", "the chain does not answer and the mirror has no platform fee yet: try again");
    return { recipient: row.recipient, bps: row.fee_bps };
  }
}

/** A tier priced in an ERC-20 needs a contract at that address (EventTicketInvalidCurrency). */
async function checkCurrencies(chain: ChainDeps, draft: Draft) {
  const errors: FieldError[] = [];
  for (const [i, tier] of draft.tiers.entries()) {
    if (tier.currency.toLowerCase() === zeroAddress) continue;
    const code = await chain.client.getCode({ address: tier.currency }).catch(() => {
      throw new HttpError(503, "chain_unavailable", "the chain does not answer: try again");
    });
    if (!code || code === "0x") errors.push({ field: `body.tiers.${i}.currency`, message: "no token contract at this address" });
  }
  if (errors.length) throw new HttpError(422, "invalid_currency", "a tier's currency is not a token contract", errors);
}
