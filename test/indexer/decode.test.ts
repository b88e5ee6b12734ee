import assert from "node:assert/strict";
import { decodeEventLog, type Abi, type Hex } from "viem";
import { eventFactoryAbi } from "../../lib/abis/EventFactory.js";
import { eventTicketAbi } from "../../lib/abis/EventTicket.js";
import { revenueSplitAbi } from "../../lib/abis/RevenueSplit.js";
import { registry } from "../../indexer/src/handlers/registry.js";
import type { ContractKind } from "../../indexer/src/handlers/types.js";
import { createRpc } from "../../indexer/src/rpc/client.js";
import { createEvent, ETH, startTestChain, type TestChain } from "./support/platform.js";
import { buy, runScenario, send } from "./support/scenario.js";

const ABIS: Record<ContractKind, Abi> = { factory: eventFactoryAbi, event_ticket: eventTicketAbi, revenue_split: revenueSplitAbi };

/** viem's output with every address lowercased, as the indexer keeps them. */
function lower(value: unknown): unknown {
  if (typeof value === "string") return /^0x[0-9a-fA-F]{40}$/.test(value) ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(lower);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lower(v)]));
  return value;
}

describe("indexer: the hand-written log decoder", function () {
  let t: TestChain;

  before(async function () {
    this.timeout(120_000);
    t = await startTestChain();
  });
  after(async () => t?.stop());

  it("decodes every log of the real chain as viem's decodeEventLog does, for every event the indexer handles", async function () {
    this.timeout(120_000);
    await runScenario(t);
    // the settings and lifecycle events the scenario does not emit, on an event without sales
    const [admin, organizer, , , fan] = t.accounts;
    const c = await createEvent(t, { organizer: organizer!, endsIn: 1_000_000 });
    const now = Number(await t.now());
    await send(t, admin!, t.factory, eventFactoryAbi, "setPlatformFee", [t.accounts[9], 400]);
    await send(t, organizer!, c.ticket, eventTicketAbi, "setSchedule", [now + 1_500_000, now + 2_000_000, 3600]);
    await send(t, organizer!, c.ticket, eventTicketAbi, "setTransferPolicy", [1]);
    await send(t, organizer!, c.ticket, eventTicketAbi, "setResaleTerms", [500, 250]);
    await send(t, organizer!, c.ticket, eventTicketAbi, "setBaseURI", ["https://tickets.example/v2/"]);
    await send(t, organizer!, c.ticket, eventTicketAbi, "setContractURI", ["https://tickets.example/v2.json"]);
    await send(t, organizer!, c.ticket, eventTicketAbi, "pause", []);
    await send(t, organizer!, c.ticket, eventTicketAbi, "unpause", []);
    await send(t, organizer!, c.ticket, eventTicketAbi, "updateTier", [
      1n,
      {
        name: "STANDARD+",
        price: 2n * 10n ** 15n,
        currency: ETH,
        supply: 50_000,
        maxPerBuyer: 4,
        saleStart: now - 10,
        saleEnd: now + 2_000_000,
        transferable: true,
      },
    ]);
    const understudy = t.accounts[8]!;
    await send(t, organizer!, c.split, revenueSplitAbi, "setPayees", [
      [
        { account: fan, shareBps: 2500, fixedAmount: 10n ** 14n, fixedToken: ETH },
        { account: understudy, shareBps: 0, fixedAmount: 10n ** 14n, fixedToken: ETH },
      ],
    ]);
    // paid on performance: two gated fees, one performed, one cancelled
    await send(t, organizer!, c.split, revenueSplitAbi, "requirePerformance", [fan]);
    await send(t, organizer!, c.split, revenueSplitAbi, "requirePerformance", [understudy]);
    await send(t, organizer!, c.split, revenueSplitAbi, "setPerformanceConfirmer", [admin]);
    await send(t, admin!, c.split, revenueSplitAbi, "confirmPerformance", [fan]);
    await send(t, organizer!, c.split, revenueSplitAbi, "cancelPerformance", [understudy]);
    await buy(t, c, fan!, 1n, 2n);
    // referrals: a share, a referred sale, settlement and the referrer's claim
    await send(t, organizer!, c.split, revenueSplitAbi, "setReferralShare", [1n, 500]);
    await send(t, fan!, c.ticket, eventTicketAbi, "purchaseWithReferrer", [1n, 1n, fan, admin], 2n * 10n ** 15n);
    await t.rpc("evm_increaseTime", [2_100_000]);
    await t.mine();
    await send(t, fan!, c.ticket, eventTicketAbi, "settle", [ETH]);
    await send(t, admin!, c.split, revenueSplitAbi, "claimReferral", [ETH]);

    // every log of the factory and of the contracts it created, straight from the node
    const rpc = createRpc({ url: t.url });
    const head = await t.client.getBlockNumber({ cacheTime: 0 });
    const kinds = new Map<Hex, ContractKind>([[t.factory, "factory"]]);
    for (const log of await rpc.logs([t.factory], t.deployBlock, head)) {
      const decoded = registry.factory.decode(log);
      if (decoded?.eventName !== "EventCreated") continue;
      const args = decoded.args as { ticket: Hex; split: Hex };
      kinds.set(args.ticket, "event_ticket");
      kinds.set(args.split, "revenue_split");
    }
    assert.equal(kinds.size, 7, "the factory and three events' ticket and split contracts");
    const logs = await rpc.logs([...kinds.keys()], t.deployBlock, head);

    const seen = new Set<string>();
    for (const log of logs) {
      const kind = kinds.get(log.address.toLowerCase() as Hex)!;
      const ours = registry[kind].decode(log);
      const theirs = decodeEventLog({ abi: ABIS[kind], data: log.data, topics: log.topics as [Hex, ...Hex[]], strict: true });
      const where = `${kind} ${theirs.eventName} at block ${BigInt(log.blockNumber)} log ${BigInt(log.logIndex)}`;
      assert.ok(ours, `decoded ${where}`);
      assert.equal(ours.eventName, theirs.eventName, where);
      // an event without inputs (PayeesLocked): viem gives no args, ours an empty object
      assert.deepStrictEqual(ours.args, lower(theirs.args ?? {}), where);
      seen.add(`${kind}.${theirs.eventName}`);
    }
    const handled = Object.entries(registry).flatMap(([kind, k]) => Object.keys(k.handlers).map((name) => `${kind}.${name}`));
    assert.deepEqual(
      handled.filter((e) => !seen.has(e)),
      [],
      "every handled event occurs on the chain",
    );
    assert.ok(logs.length > handled.length);
  });
});
