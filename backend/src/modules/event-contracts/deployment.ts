import type { Knex } from "knex";
import { BaseError, ContractFunctionRevertedError, createWalletClient, http, parseEventLogs } from "viem";
import { eventFactoryAbi } from "../../../../lib/abis/EventFactory.js";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import { revenueSplitAbi } from "../../../../lib/abis/RevenueSplit.js";
import { chainDefinition } from "../../../../lib/chain.js";
import type { Config } from "../../../../lib/config.js";
import type { Principal } from "../../http/auth.js";
import type { ChainDeps } from "../../http/chain.js";
import { HttpError } from "../../http/errors.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { deployerAccount, scannerAccount } from "../../../../lib/chain-accounts.js";
import { createEventCall, grantScannerCall } from "./draft.js";
import { EventContract } from "./models.js";

/** createEvent reverts come from the factory or the clones it initialises: decode with all three. */
const createEventAbi = [
  ...eventFactoryAbi,
  ...eventTicketAbi.filter((item) => item.type === "error"),
  ...revenueSplitAbi.filter((item) => item.type === "error"),
] as const;

export type DeployableLink = Pick<EventContract, "id" | "festival_id" | "factory_address" | "organizer_address" | "status" | "deploy_tx_hash" | "config">;

/**
 * Local chains: the platform's deployer account sends createEvent, then (as the new event's
 * admin) grants the scanner SCANNER_ROLE. The call is simulated first, so a draft the chain
 * refuses is a 422 naming the contract's error, and nothing is sent. Waits for both receipts;
 * the link itself follows once the indexer has mirrored the event.
 */
export async function deployWithServer(
  deps: { db: Knex; config: Config; chain: ChainDeps },
  principal: Principal,
  audit: AuditContext,
  link: DeployableLink,
): Promise<void> {
  const { db, config, chain } = deps;
  const deployer = deployerAccount(config, chain.chainId);
  const scanner = scannerAccount(config, chain.chainId);
  const rpcUrl = config.chain.rpcUrl;
  if (!deployer || !rpcUrl) throw new HttpError(422, "server_deployer_unavailable", "no server-side deployer on this chain");
  if (deployer.address.toLowerCase() !== link.organizer_address) {
    throw new HttpError(422, "not_server_deployed", "this event contract was prepared for the organizer's own wallet");
  }
  if (link.deploy_tx_hash || link.status === "linked") throw new HttpError(409, "already_deployed", "this event contract was already sent");

  const call = createEventCall(chain.chainId, link.factory_address, link.config);
  const [eventConfig, tiers, payees] = [
    link.config.eventConfig,
    link.config.tiers.map((t) => ({ ...t, price: BigInt(t.price) })),
    link.config.payees.map((p) => ({ ...p, fixedAmount: BigInt(p.fixedAmount) })),
  ];
  try {
    await chain.client.simulateContract({
      account: deployer,
      address: link.factory_address,
      abi: createEventAbi,
      functionName: "createEvent",
      args: [eventConfig, tiers, payees],
    });
  } catch (error) {
    const revert = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (revert instanceof ContractFunctionRevertedError) {
      const name = revert.data?.errorName ?? revert.reason ?? "unknown";
      throw new HttpError(422, "deploy_would_revert", `the chain refuses this event's configuration: createEvent reverts with ${name}`);
    }
    throw new HttpError(503, "chain_unavailable", "the chain does not answer: try again");
  }

  const wallet = createWalletClient({ account: deployer, chain: chainDefinition(chain.chainId, rpcUrl), transport: http(rpcUrl) });
  const txHash = await wallet.sendTransaction({ to: call.to, data: call.data });
  await EventContract.query(db).findById(link.id).patch({ deploy_tx_hash: txHash, updated_by: principal.userId });
  const receipt = await chain.client.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 });
  if (receipt.status !== "success") throw new HttpError(422, "deploy_reverted", `createEvent reverted (tx ${txHash})`);
  const [created] = parseEventLogs({ abi: eventFactoryAbi, eventName: "EventCreated", logs: receipt.logs });
  if (!created) throw new HttpError(502, "deploy_no_event", "createEvent emitted no EventCreated");
  let scannerGrantedAt: Date | null = null;
  if (scanner) {
    const grant = grantScannerCall(chain.chainId, created.args.ticket, scanner.address);
    const grantHash = await wallet.sendTransaction({ to: grant.to, data: grant.data });
    const grantReceipt = await chain.client.waitForTransactionReceipt({ hash: grantHash, timeout: 120_000 });
    if (grantReceipt.status === "success") scannerGrantedAt = new Date();
  }
  await db.transaction(async (trx) => {
    const patch = { chain_event_id: created.args.eventId.toString(), scanner_granted_at: scannerGrantedAt, updated_by: principal.userId };
    await EventContract.query(trx).findById(link.id).patch(patch);
    await recordAudit(trx, audit, {
      action: "event_contract.deployed",
      entityType: "event_contract",
      entityId: link.id,
      festivalId: link.festival_id,
      after: { deploy_tx_hash: txHash, ticket: created.args.ticket, ...patch },
    });
  });
}
