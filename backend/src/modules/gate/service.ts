import type { Knex } from "knex";
import type { Address, LocalAccount, PublicClient } from "viem";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import type { Config } from "../../../../lib/config.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { requireChain, type EventContractsService } from "../event-contracts/service.js";
import { evmWalletsOf } from "../users/wallets.js";
import { platformPassAccount, snapshotSigner } from "./keys.js";
import { OfflineGateService } from "./offline.js";
import { issuePlatformPass, renderPassQr } from "./passes.js";
import { GateScanService } from "./scan.js";
import { ScannerAccess } from "./scanners.js";
import { ZoneDirectory, ZonesService } from "./zones.js";

/** Everything the gate routes use, built once per app. */
export interface Gate {
  scan: GateScanService;
  passes: GatePassService;
  zones: ZonesService;
  scanners: ScannerAccess;
  offline: OfflineGateService;
  platformPassAddress: Address;
}

export function createGate(deps: { db: Knex; config: Config; chain?: { client: PublicClient; chainId: number }; eventContracts: EventContractsService }): Gate {
  const platform = platformPassAccount(deps.config);
  const scanners = new ScannerAccess(deps.db);
  const directory = new ZoneDirectory(deps.db);
  return {
    scanners,
    platformPassAddress: platform.address,
    zones: new ZonesService(deps.db, deps.eventContracts, directory),
    scan: new GateScanService({
      db: deps.db,
      chain: deps.chain,
      platformPassAddress: platform.address,
      maxLagBlocks: deps.config.indexer.maxLagBlocks,
      zones: directory,
      scanners,
    }),
    passes: new GatePassService(deps.db, deps.config, platform, deps.chain),
    offline: new OfflineGateService(deps.db, scanners, platform.address, snapshotSigner(deps.config)),
  };
}

/**
 * Server-signed passes: for a fan who signed in but cannot sign every 30 s, the platform key
 * signs a TicketPass for the ticket's current holder (one of the caller's wallets), valid for
 * at most 60 s. A holder-signed pass needs no API call: the wallet signs the same EIP-712
 * message (pass.ts) and the app encodes it.
 */
export class GatePassService {
  constructor(
    private readonly db: Knex,
    private readonly config: Config,
    private readonly platform: LocalAccount,
    private readonly chain?: { client: PublicClient; chainId: number },
  ) {}

  async issue(principal: Principal, input: { contract: Address; tokenId: string; validitySeconds?: number }) {
    const chain = requireChain({ chain: this.chain });
    const wallets = await evmWalletsOf(this.db, principal.userId);
    const row = await this.db("chain_tickets as t")
      .join("chain_events as e", (j) => j.on("e.chain_id", "t.chain_id").andOn("e.ticket_address", "t.contract_address"))
      .where({ "t.chain_id": chain.chainId, "t.contract_address": input.contract, "t.token_id": input.tokenId })
      .first("t.owner_address", "t.burned", "e.cancelled");
    let owner: string | null = row?.owner_address ?? null;
    const cursor = await this.db("indexer_cursors").where({ chain_id: chain.chainId }).first("block_number", "head_block_number");
    const lagging = !cursor || Number(cursor.head_block_number) - Number(cursor.block_number) > this.config.indexer.maxLagBlocks;
    if (lagging) {
      owner = await chain.client
        .readContract({ address: input.contract, abi: eventTicketAbi, functionName: "ownerOf", args: [BigInt(input.tokenId)] })
        .then((o) => o.toLowerCase())
        .catch(() => owner);
    }
    if (!owner || !wallets.includes(owner)) {
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
      qrSvg: (await renderPassQr(payload, "svg")) as string,
    };
  }
}
