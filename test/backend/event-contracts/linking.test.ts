import assert from "node:assert/strict";
import type { Address } from "viem";
import { eventFactoryAbi } from "../../../lib/abis/EventFactory.js";
import { createLogger } from "../../../lib/logger.js";
import { createCheckInAnchor } from "../../../backend/src/modules/gate/anchor.js";
import { scannerAccount } from "../../../lib/chain-accounts.js";
import { resolvePendingLinks, startLinkResolver } from "../../../backend/src/modules/event-contracts/links.js";
import { createOrganizer, linkBody, sendCall, startWorld, type Organizer, type World } from "./world.js";

describe("event contracts: linking a prepared event to the one on-chain event that is its own", function () {
  this.timeout(180_000);
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(() => w?.stop());

  const prepare = async (o: Organizer, body: Record<string, unknown>) => {
    const res = await w.api.post(`/api/v1/festivals/${o.festivalId}/event-contracts`, body, o.user.headers);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const report = (o: Organizer, id: string, body: Record<string, unknown>) => w.api.post(`/api/v1/event-contracts/${id}/transaction`, body, o.user.headers);
  const get = (o: Organizer, id: string) => w.api.get(`/api/v1/event-contracts/${id}`, o.user.headers);
  const nextEventId = async () => (await w.t.client.readContract({ address: w.t.factory, abi: eventFactoryAbi, functionName: "eventCount" })) + 1n;

  it("two pending links matching one event: the one that sent it links, no other link, tenant or the anchor loop is affected", async () => {
    const a = await createOrganizer(w, w.t.accounts[1]!);
    const b = await createOrganizer(w, w.t.accounts[2]!);
    const bLink = await prepare(b, linkBody(b.wallet, { name: "B fest" }));
    const p1 = await prepare(a, linkBody(a.wallet));
    const p2 = await prepare(a, linkBody(a.wallet));
    // P2 claims the factory's next event id before anyone created it
    const squat = await report(a, p2.id, { chainEventId: (await nextEventId()).toString() });
    assert.ok(squat.status === 200 || squat.status === 422, JSON.stringify(squat.body));
    const tx = await sendCall(w, a.wallet, p1.createEventCall);
    const reported = await report(a, p1.id, { txHash: tx });
    assert.equal(reported.status, 200, JSON.stringify(reported.body));
    await w.synced();
    await resolvePendingLinks(w.db);

    const one = await get(a, p1.id);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.status, "linked");
    assert.equal(one.body.deployTxHash, tx);
    const two = await get(a, p2.id);
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.equal(two.body.status, "pending");
    assert.equal(two.body.ticketAddress, null);

    // every other tenant still reads, lists and deploys
    assert.equal((await get(b, bLink.id)).status, 200);
    assert.equal((await w.api.get(`/api/v1/festivals/${b.festivalId}/event-contracts`, b.user.headers)).status, 200);
    const server = await prepare(b, { ...linkBody(b.wallet, { name: "B by server" }), deployWith: "server", organizerAddress: undefined });
    const deployed = await w.api.post(`/api/v1/event-contracts/${server.id}/deploy`, undefined, b.user.headers);
    assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
    // and the check-in anchor loop runs
    const anchor = createCheckInAnchor({
      db: w.db,
      client: w.t.client,
      chainId: w.t.chainId,
      rpcUrl: w.t.url,
      scanner: scannerAccount(w.config, w.t.chainId)!,
      log: createLogger("anchor-test", "silent"),
      intervalMs: 1000,
      batchSize: 10,
      autoStart: false,
    });
    await anchor.tick();
    await anchor.stop();
  });

  it("the resolver links each link on its own: a conflicting claim (stored before claims were checked) stays pending with its reason", async () => {
    const a = await createOrganizer(w, w.t.accounts[3]!);
    const c = await createOrganizer(w, w.t.accounts[4]!);
    const p3 = await prepare(a, linkBody(a.wallet, { name: "Twin" }));
    const p4 = await prepare(a, linkBody(a.wallet, { name: "Twin" }));
    const q = await prepare(c, linkBody(c.wallet, { name: "C fest" }));
    const eventId = await nextEventId();
    const tx3 = await sendCall(w, a.wallet, p3.createEventCall);
    const txQ = await sendCall(w, c.wallet as Address, q.createEventCall);
    await w.db("event_contracts").where({ id: p3.id }).update({ deploy_tx_hash: tx3 });
    await w.db("event_contracts").where({ id: p4.id }).update({ chain_event_id: eventId.toString() });
    await w.db("event_contracts").where({ id: q.id }).update({ deploy_tx_hash: txQ });
    await w.synced();

    await resolvePendingLinks(w.db);
    const rows = await w.db("event_contracts").whereIn("id", [p3.id, p4.id, q.id]).select("id", "status", "deploy_tx_hash", "link_error");
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.equal(byId.get(p3.id).status, "linked");
    assert.equal(byId.get(q.id).status, "linked");
    assert.equal(byId.get(p4.id).status, "pending");
    assert.equal(byId.get(p4.id).deploy_tx_hash, null);
    assert.match(byId.get(p4.id).link_error, /another event contract/);
    assert.equal((await get(a, p4.id)).body.linkError, byId.get(p4.id).link_error);
    // running again changes nothing and fails nothing
    assert.equal(await resolvePendingLinks(w.db), 0);
  });

  it("a claim must be the link's own: another wallet's transaction or event is refused with 422, and the rightful owner still links", async () => {
    const owner = await createOrganizer(w, w.t.accounts[5]!);
    const squatter = await createOrganizer(w, w.t.accounts[6]!);
    const body = linkBody(owner.wallet, { name: "Public fest" });
    const mine = await prepare(owner, body);
    // the squatter prepares the very same configuration for their own wallet
    const theirs = await prepare(squatter, { ...body, organizerAddress: squatter.wallet });
    const eventId = await nextEventId();
    const tx = await sendCall(w, owner.wallet, mine.createEventCall);
    await w.synced();

    const byTx = await report(squatter, theirs.id, { txHash: tx });
    assert.equal(byTx.status, 422, JSON.stringify(byTx.body));
    assert.equal(byTx.body.code, "transaction_not_from_link_wallet");
    assert.equal(byTx.body.errors[0].field, "body.txHash");
    const byEvent = await report(squatter, theirs.id, { chainEventId: eventId.toString() });
    assert.equal(byEvent.status, 422, JSON.stringify(byEvent.body));
    assert.equal(byEvent.body.code, "chain_event_not_from_link_wallet");
    assert.equal(byEvent.body.errors[0].field, "body.chainEventId");
    const untouched = await w.db("event_contracts").where({ id: theirs.id }).first();
    assert.equal(untouched.deploy_tx_hash, null);
    assert.equal(untouched.chain_event_id, null);

    // every server-deployed link shares the platform's deployer wallet: such a link takes no reports at all
    const serverLink = await prepare(squatter, { ...body, deployWith: "server", organizerAddress: undefined });
    const byServerLink = await report(squatter, serverLink.id, { txHash: tx });
    assert.equal(byServerLink.status, 422, JSON.stringify(byServerLink.body));
    assert.equal(byServerLink.body.code, "server_deployed_link");

    const linked = await report(owner, mine.id, { chainEventId: eventId.toString() });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    assert.equal(linked.body.status, "linked");
    assert.equal(linked.body.deployTxHash, tx);
  });

  it("the link's own wallet with another configuration is refused; one transaction links one link (409 for the second)", async () => {
    const a = await createOrganizer(w, w.t.accounts[7]!);
    // one body for p5 and p7: linkBody's times come from the clock, and a second ticking between two calls would make the configurations differ
    const five = linkBody(a.wallet, { name: "Five" });
    const p5 = await prepare(a, five);
    const p6 = await prepare(a, linkBody(a.wallet, { name: "Six" }));
    const p7 = await prepare(a, five);
    const eventId = await nextEventId();
    const tx = await sendCall(w, a.wallet, p5.createEventCall);
    await w.synced();

    const wrongTx = await report(a, p6.id, { txHash: tx });
    assert.equal(wrongTx.status, 422, JSON.stringify(wrongTx.body));
    assert.equal(wrongTx.body.code, "transaction_config_mismatch");
    const wrongEvent = await report(a, p6.id, { chainEventId: eventId.toString() });
    assert.equal(wrongEvent.status, 422, JSON.stringify(wrongEvent.body));
    assert.equal(wrongEvent.body.code, "chain_event_config_mismatch");
    const unknown = await report(a, p6.id, { txHash: `0x${"ab".repeat(32)}` });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.code, "transaction_not_found");
    const notYet = await report(a, p6.id, { chainEventId: (eventId + 100n).toString() });
    assert.equal(notYet.status, 422);
    assert.equal(notYet.body.code, "chain_event_not_mirrored");

    assert.equal((await report(a, p5.id, { txHash: tx })).body.status, "linked");
    // p7 has the same configuration and wallet, but the transaction is p5's
    assert.equal((await report(a, p7.id, { txHash: tx })).status, 409);
    assert.equal((await report(a, p7.id, { chainEventId: eventId.toString() })).status, 409);
    assert.equal((await get(a, p7.id)).body.status, "pending");
  });

  it("reads only read: a GET neither links nor writes, the resolver pass does", async () => {
    const a = await createOrganizer(w, w.t.accounts[8]!);
    const p = await prepare(a, linkBody(a.wallet, { name: "Quiet" }));
    const tx = await sendCall(w, a.wallet, p.createEventCall);
    await w.synced();
    // the claim as a resolver would find it, without the report's own resolving
    await w.db("event_contracts").where({ id: p.id }).update({ deploy_tx_hash: tx });
    const before = await w.db("event_contracts").where({ id: p.id }).first();
    assert.equal((await get(a, p.id)).body.status, "pending");
    const list = await w.api.get(`/api/v1/festivals/${a.festivalId}/event-contracts`, a.user.headers);
    assert.equal(list.body.items[0].status, "pending");
    const after = await w.db("event_contracts").where({ id: p.id }).first();
    assert.deepEqual(after, before);
    const resolver = startLinkResolver({
      db: w.db,
      config: w.config,
      chain: { client: w.t.client, chainId: w.t.chainId },
      log: createLogger("links-test", "silent"),
      intervalMs: 1000,
      autoStart: false,
    });
    await resolver.tick();
    await resolver.stop();
    assert.equal((await get(a, p.id)).body.status, "linked");
  });

  it("a festival's list reads in the same number of queries for one link as for five", async () => {
    const a = await createOrganizer(w, w.t.accounts[10]!);
    const list = () => w.api.get(`/api/v1/festivals/${a.festivalId}/event-contracts`, a.user.headers);
    const queries = async () => {
      let n = 0;
      const count = () => n++;
      w.db.on("query", count);
      const res = await list();
      w.db.removeListener("query", count);
      assert.equal(res.status, 200);
      return { n, items: res.body.items.length };
    };
    await prepare(a, linkBody(a.wallet, { name: "L1" }));
    await list(); // the caller's session is known from here on
    const one = await queries();
    for (let i = 2; i <= 5; i++) await prepare(a, linkBody(a.wallet, { name: `L${i}` }));
    const five = await queries();
    assert.deepEqual([one.items, five.items], [1, 5]);
    assert.equal(five.n, one.n);
    // and it pages: newest first, two at a time, each link once
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await w.api.get(`/api/v1/festivals/${a.festivalId}/event-contracts${qs}`, a.user.headers);
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2, "a page holds at most the limit");
      seen.push(...page.body.items.map((i: { name: string }) => i.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ["L5", "L4", "L3", "L2", "L1"]);
  });
});
