import type { Knex } from "knex";
import type { Address, LocalAccount, PublicClient } from "viem";
import type { Config } from "../../../../lib/config.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { requireChain } from "../../http/chain.js";
import { CachedMirrorFreshness } from "../chain-mirror/freshness.js";
import { platformPassAccount, snapshotSigner } from "./keys.js";
import { GateDevices } from "./devices.js";
import { OfflineGateService } from "./offline.js";
import { ownerOnChain } from "./ownership.js";
import { issuePlatformPass, renderPassQr } from "./passes.js";
import { GateScanService } from "./scan.js";
import { ScannerAccess } from "./scanners.js";
import { ZoneDirectory, ZonesService, type EventContractAccess } from "./zones.js";

/** Everything the gate routes use, built once per app. */
export interface Gate {
  scan: GateScanService;
  passes: GatePassService;
  zones: ZonesService;
  scanners: ScannerAccess;
  offline: OfflineGateService;
  devices: GateDevices;
  platformPassAddress: Address;
}

/** Who the platform's custody holds a card-paid ticket for (the payments module answers; null: not for this user). */
export type CustodialHolder = (ref: { chainId: number; contract: string; tokenId: string; userId: string }) => Promise<string | null>;

export function createGate(deps: {
  db: Knex;
  config: Config;
  chain?: { client: PublicClient; chainId: number };
  eventContracts: EventContractAccess;
  custodialHolder?: CustodialHolder;
}): Gate {
  const platform = platformPassAccount(deps.config);
  const scanners = new ScannerAccess(deps.db);
  const directory = new ZoneDirectory(deps.db);
  const freshness = new CachedMirrorFreshness(deps.db, { maxLagBlocks: deps.config.indexer.maxLagBlocks, chain: deps.chain });
  return {
    scanners,
    platformPassAddress: platform.address,
    zones: new ZonesService(deps.db, deps.eventContracts, directory),
    scan: new GateScanService({
      db: deps.db,
      chain: deps.chain,
      platformPassAddress: platform.address,
      freshness,
      zones: directory,
      scanners,
    }),
    passes: new GatePassService(deps.db, platform, freshness, deps.chain, deps.custodialHolder),
    offline: new OfflineGateService(deps.db, scanners, platform.address, snapshotSigner(deps.config)),
    devices: new GateDevices(deps.db, scanners, deps.eventContracts),
  };
}

/**
 * Server-signed passes: for a fan who signed in but cannot sign every 30 s, the platform key
 * signs a TicketPass for the ticket's current holder (one of the caller's wallets), valid for
 * at most 60 s. A holder-signed pass needs no API call: the wallet signs the same EIP-712
 * message (pass.ts) and the app encodes it.
 *
 * A custodial ticket (bought by card, held on-chain by the platform's custody for the fan) gets
 * the same pass for its beneficial owner: the pass names the custody as holder, so the scan's
 * holder check (the chain's owner) is unchanged.
 */
export class GatePassService {
  constructor(
    private readonly db: Knex,
    private readonly platform: LocalAccount,
    private readonly freshness: CachedMirrorFreshness,
    private readonly chain?: { client: PublicClient; chainId: number },
    private readonly custodialHolder?: CustodialHolder,
  ) {}

  async issue(principal: Principal, input: { contract: Address; tokenId: string; validitySeconds?: number }) {
    const chain = requireChain({ chain: this.chain });
    const [wallets, row, custodial] = await Promise.all([
      this.db("evm_wallet_holders").where({ user_id: principal.userId }).pluck("address"),
      this.db("chain_tickets as t")
        .join("chain_events as e", (j) => j.on("e.chain_id", "t.chain_id").andOn("e.ticket_address", "t.contract_address"))
        .where({ "t.chain_id": chain.chainId, "t.contract_address": input.contract, "t.token_id": input.tokenId })
        .first("t.owner_address", "t.burned", "e.cancelled"),
      // a card-paid ticket the platform's custody holds for the caller (the payments module answers, its holding sealed)
      this.custodialHolder?.({ chainId: chain.chainId, contract: input.contract, tokenId: input.tokenId, userId: principal.userId }) ?? null,
    ]);
    let owner: string | null = row?.owner_address ?? null;
    if (!(await this.freshness.fresh(chain.chainId))) {
      const onChain = await ownerOnChain(chain, input.contract, BigInt(input.tokenId));
      if (onChain.kind === "owner") owner = onChain.owner;
      else if (onChain.kind === "nonexistent") owner = null;
    }
    if (!owner || !(wallets.includes(owner) || custodial === owner)) {
      throw new HttpError(404, "ticket_not_found", "no such ticket in your linked wallets");
    }
    if (row?.cancelled) throw new HttpError(422, "event_cancelled", "the event is cancelled: claim a refund instead");
    const { pass, payload } = await issuePlatformPass(this.platform, {
      chainId: chain.chainId,
      contract: input.contract,
      tokenId: BigInt(input.tokenId),
      holder: owner as Address,
      validitySeconds: input.validitySeconds,
    });
    return {
      payload,
      signer: pass.signer,
      holder: owner,
      contract: input.contract,
      tokenId: input.tokenId,
      validUntil: pass.validUntil,
      nonce: pass.nonce.toString(),
      qrSvg: await renderPassQr(payload, "svg"),
    };
  }
}
