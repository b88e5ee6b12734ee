import assert from "node:assert/strict";
import type { Address, Hex } from "viem";
import { eventTicketAbi } from "../../../lib/abis/EventTicket.js";
import { revenueSplitAbi } from "../../../lib/abis/RevenueSplit.js";
import { newId } from "../../../lib/ids.js";
import { resolvePendingLinks } from "../../../backend/src/modules/event-contracts/links.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { createOrganizer, linkBody, sendCall, startWorld, type Organizer, type World } from "../event-contracts/world.js";

const ETH = "0x0000000000000000000000000000000000000000";
const PRICE = 1000n; // wei per GA ticket (linkBody's tier)

/**
 * Attribution, the whole path on a real node, indexer and API: proposals, consent, the derived payee set sent
 * on-chain, purchases with and without a referrer, settlement, claims, and the mirror's paid / claimable per
 * attribution equal to the contract's views. And every bad input of issue 20.
 */
describe("attributions: the off-chain agreement the split encodes", function () {
  this.timeout(240_000);
  let w: World;
  let o: Organizer;
  let link: { id: string; ticketAddress: Address; splitAddress: Address };
  let artist: TestUser;
  let creator: TestUser;
  let outsider: TestUser;
  let stranger: TestUser;
  let artistProfile: string;
  let editionId: string;
  let editionShare: string;
  let creatorProfile: string;
  const accounts = () => w.t.accounts;

  const api = (method: string, path: string, user: TestUser | undefined, body?: unknown) => w.api.request(method, path, { headers: user?.headers ?? {}, body });
  const expect = async (status: number, method: string, path: string, user: TestUser | undefined, body?: unknown) => {
    const res = await api(method, path, user, body);
    assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const wallet = async (user: TestUser, address: Address) =>
    w.db("wallets").insert({ id: newId(), user_id: user.userId, network: "evm", address: address.toLowerCase(), is_primary: true, verified_at: new Date() });
  const send = async (
    from: Address,
    to: Address,
    abi: typeof eventTicketAbi | typeof revenueSplitAbi,
    functionName: string,
    args: unknown[],
    value?: bigint,
  ) => {
    const hash = await w.t.wallet(from).writeContract({ address: to, abi, functionName, args, value, account: from, chain: w.t.client.chain } as never);
    const receipt = await w.t.client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success", `${functionName} reverted`);
    return hash as Hex;
  };
  const read = <T>(address: Address, abi: typeof eventTicketAbi | typeof revenueSplitAbi, functionName: string, args: unknown[]) =>
    w.t.client.readContract({ address, abi, functionName, args } as never) as Promise<T>;

  before(async () => {
    w = await startWorld();
    o = await createOrganizer(w, accounts()[1]!);
    const prepared = await expect(
      201,
      "POST",
      `/api/v1/festivals/${o.festivalId}/event-contracts`,
      o.user,
      linkBody(o.wallet, { payees: [], refundWindowSeconds: 60 }),
    );
    const tx = await sendCall(w, o.wallet, prepared.createEventCall);
    await expect(200, "POST", `/api/v1/event-contracts/${prepared.id}/transaction`, o.user, { txHash: tx });
    await w.synced();
    await resolvePendingLinks(w.db);
    const linked = await expect(200, "GET", `/api/v1/event-contracts/${prepared.id}`, o.user);
    assert.equal(linked.status, "linked");
    link = { id: prepared.id, ticketAddress: linked.ticketAddress, splitAddress: linked.splitAddress };

    artist = await createTestUser(w.db, { roles: ["artist"], config: w.config });
    creator = await createTestUser(w.db, { roles: ["content_creator"], config: w.config });
    outsider = await createTestUser(w.db, { roles: ["fan"], config: w.config });
    stranger = await createTestUser(w.db, { roles: ["fan"], config: w.config });
    artistProfile = newId();
    creatorProfile = newId();
    await w.db("artist_profiles").insert({ id: artistProfile, user_id: artist.userId, stage_name: "The Artist" });
    await w.db("content_creator_profiles").insert({ id: creatorProfile, user_id: creator.userId, channel_name: "Creator" });
    await wallet(artist, accounts()[3]!);
    await wallet(creator, accounts()[4]!);
    await wallet(outsider, accounts()[5]!);
    // the event belongs to an edition of the festival
    editionId = newId();
    await w.db("editions").insert({
      id: editionId,
      festival_id: o.festivalId,
      name: "2026",
      slug: "e2026",
      starts_at: new Date(Date.now() + 86_400_000),
      ends_at: new Date(Date.now() + 3 * 86_400_000),
      timezone: "Europe/Berlin",
    });
    await w.db("event_contracts").where({ id: link.id }).update({ edition_id: editionId });
  });
  after(() => w?.stop());

  const base = () => `/api/v1/event-contracts/${link.id}`;
  let performance: string;
  let promotion: string;
  let production: string;

  it("an organizer proposes; bad shares, amounts and currencies are refused and nothing is stored", async () => {
    const propose = (body: Record<string, unknown>) => api("POST", `${base()}/attributions`, o.user, body);
    const artistC = { kind: "artist", profileId: artistProfile };
    for (const shareBps of [0, -5, 10_001, 1.5]) {
      const res = await propose({ contributor: artistC, contributionType: "performance", shareBps });
      assert.equal(res.status, 400, `shareBps ${shareBps}: ${JSON.stringify(res.body)}`);
    }
    assert.equal((await propose({ contributor: artistC, contributionType: "performance", fixedAmount: "0", currency: ETH })).status, 400);
    assert.equal((await propose({ contributor: artistC, contributionType: "performance", fixedAmount: "-1", currency: ETH })).status, 400);
    assert.equal((await propose({ contributor: artistC, contributionType: "performance", shareBps: 10, fixedAmount: "10", currency: ETH })).status, 400);
    assert.equal((await propose({ contributor: artistC, contributionType: "juggling", shareBps: 10 })).status, 400);
    const badCurrency = await propose({ contributor: artistC, contributionType: "performance", fixedAmount: "10", currency: `0x${"11".repeat(20)}` });
    assert.equal(badCurrency.status, 422);
    assert.equal(badCurrency.body.code, "currency_not_of_event");
    const noProfile = await propose({ contributor: { kind: "artist", profileId: newId() }, contributionType: "performance", shareBps: 10 });
    assert.equal(noProfile.status, 422);
    // only the event's managers propose
    assert.equal((await api("POST", `${base()}/attributions`, stranger, { contributor: artistC, contributionType: "performance", shareBps: 10 })).status, 404);
    assert.equal((await w.db("attributions").where({ event_contract_id: link.id }).count<{ n: string }[]>("* as n"))[0]!.n, "0");

    performance = (
      await expect(201, "POST", `${base()}/attributions`, o.user, {
        contributor: artistC,
        contributionType: "performance",
        shareBps: 3000,
        note: "headline set",
      })
    ).id;
    promotion = (
      await expect(201, "POST", `${base()}/attributions`, o.user, {
        contributor: { kind: "content_creator", profileId: creatorProfile },
        contributionType: "promotion",
        shareBps: 1000,
      })
    ).id;
    const outside = accounts()[5]!.toUpperCase().replace("0X", "0x");
    const p = await expect(201, "POST", `${base()}/attributions`, o.user, {
      contributor: { kind: "address", address: outside },
      contributionType: "production",
      fixedAmount: "500",
      currency: ETH,
    });
    production = p.id;
    assert.equal(p.payoutAddress, accounts()[5]!.toLowerCase());
    assert.equal(p.status, "proposed");
    const audit = await w.db("audit_log").where({ entity_id: performance, action: "attribution.created" }).first();
    assert.ok(audit, "the proposal is audited");
  });

  it("only the contributor accepts: someone else's proposal is 403 for the organizer, 404 for others", async () => {
    await expect(404, "POST", `/api/v1/attributions/${performance}/accept`, creator, {});
    await expect(404, "POST", `/api/v1/attributions/${performance}/accept`, stranger, {});
    await expect(403, "POST", `/api/v1/attributions/${performance}/accept`, o.user, {});
    await expect(422, "POST", `/api/v1/attributions/${performance}/accept`, artist, { payoutAddress: accounts()[4] }); // not the artist's wallet
    const mine = await expect(200, "GET", "/api/v1/me/attributions", artist);
    assert.deepEqual(
      mine.items.map((a: { id: string }) => a.id),
      [performance],
    );
    const accepted = await expect(200, "POST", `/api/v1/attributions/${performance}/accept`, artist, {});
    assert.equal(accepted.status, "accepted");
    assert.equal(accepted.payoutAddress, accounts()[3]!.toLowerCase());
    await expect(409, "POST", `/api/v1/attributions/${performance}/accept`, artist, {}); // decided once
    await expect(200, "POST", `/api/v1/attributions/${promotion}/accept`, creator, {});
    await expect(200, "POST", `/api/v1/attributions/${production}/accept`, outsider, {}); // the holder of the outside address
    const audits = await w.db("audit_log").where({ entity_id: performance, action: "attribution.accepted" });
    assert.equal(audits.length, 1);
  });

  it("the database refuses accepted percentages above 100 % with the platform fee; nothing changes", async () => {
    // 5 % platform fee + 30 % + 10 % accepted; 60 % more is 105 %
    const big = await expect(201, "POST", `${base()}/attributions`, o.user, {
      contributor: { kind: "artist", profileId: artistProfile },
      contributionType: "other",
      shareBps: 6000,
    });
    const res = await api("POST", `/api/v1/attributions/${big.id}/accept`, artist, {});
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, "shares_exceed_100_percent");
    const row = await w.db("attributions").where({ id: big.id }).first();
    assert.equal(row.status, "proposed");
    assert.equal(await w.db("audit_log").where({ entity_id: big.id, action: "attribution.accepted" }).first(), undefined);
    // and directly, whatever the code path: the trigger holds the rule
    await assert.rejects(
      w.db("attributions").where({ id: big.id }).update({ status: "accepted", decided_at: new Date(), payout_address: accounts()[3]!.toLowerCase() }),
      /exceed 100 %/,
    );
    await expect(200, "POST", `/api/v1/attributions/${big.id}/reject`, artist);
    // zero and negative shares cannot be stored either
    await assert.rejects(w.db("attributions").where({ id: big.id }).update({ share_bps: 0 }), /ck_attributions_share_bps/);
  });

  it("two acceptances at once that together exceed 100 %: the trigger decides them one after the other", async () => {
    // capacity left: 100 % - 5 % fee - 30 % - 10 % = 55 %; two proposals of 30 % fit one at a time only
    const propose = async () =>
      (
        await expect(201, "POST", `${base()}/attributions`, o.user, {
          contributor: { kind: "artist", profileId: artistProfile },
          contributionType: "other",
          shareBps: 3000,
        })
      ).id as string;
    const [x, y] = [await propose(), await propose()];
    const accepted = { status: "accepted", decided_at: new Date(), payout_address: accounts()[3]!.toLowerCase() };
    const first = await w.db.transaction();
    await first("attributions").where({ id: x }).update(accepted); // holds the event's lock until it commits
    let secondDone = false;
    const second = w.db.transaction((trx) => trx("attributions").where({ id: y }).update(accepted)).finally(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(secondDone, false, "the second acceptance waits for the first");
    await first.commit();
    await assert.rejects(second, /exceed 100 %/);
    assert.deepEqual((await w.db("attributions").whereIn("id", [x, y]).orderBy("share_bps")).map((r) => r.status).sort(), ["accepted", "proposed"]);
    // before the lock the organizer may change an accepted attribution: it goes back to proposed (consent again)
    const changed = await expect(200, "PATCH", `/api/v1/attributions/${x}`, o.user, { shareBps: 2500 });
    assert.deepEqual([changed.status, changed.shareBps], ["proposed", 2500]);
    await expect(200, "POST", `/api/v1/attributions/${x}/withdraw`, o.user);
    await expect(200, "POST", `/api/v1/attributions/${y}/withdraw`, o.user);
    await expect(404, "POST", `/api/v1/attributions/${y}/withdraw`, stranger);
  });

  it("an edition's attributions: their own 100 % (no platform fee), currencies of the edition's events, consent", async () => {
    const path = `/api/v1/editions/${editionId}/attributions`;
    const artistC = { kind: "artist", profileId: artistProfile };
    await expect(400, "POST", path, o.user, { contributor: artistC, contributionType: "performance", shareBps: 0 });
    await expect(404, "POST", path, stranger, { contributor: artistC, contributionType: "performance", shareBps: 10 });
    const usdc = await api("POST", path, o.user, { contributor: artistC, contributionType: "performance", fixedAmount: "5", currency: `0x${"22".repeat(20)}` });
    assert.equal(usdc.body.code, "currency_not_of_event");
    const share = await expect(201, "POST", path, o.user, { contributor: artistC, contributionType: "performance", shareBps: 6000, note: "the whole edition" });
    assert.deepEqual([share.editionId, share.eventContractId], [editionId, null]);
    editionShare = share.id;
    await expect(403, "POST", `/api/v1/attributions/${share.id}/accept`, o.user, {});
    await expect(200, "POST", `/api/v1/attributions/${share.id}/accept`, artist, {});
    const more = await expect(201, "POST", path, o.user, { contributor: artistC, contributionType: "other", shareBps: 4001 });
    const res = await api("POST", `/api/v1/attributions/${more.id}/accept`, artist, {});
    assert.equal(res.body.code, "shares_exceed_100_percent", JSON.stringify(res.body));
    await expect(200, "POST", `/api/v1/attributions/${more.id}/reject`, artist);
    const list = await expect(200, "GET", path, o.user);
    assert.deepEqual(
      list.items.map((a: { id: string; status: string }) => [a.id, a.status]),
      [
        [share.id, "accepted"],
        [more.id, "rejected"],
      ],
    );
    // the event's own attributions are apart from the edition's
    const eventList = await expect(200, "GET", `${base()}/attributions`, o.user);
    assert.ok(eventList.items.every((a: { editionId: string | null }) => a.editionId === null));
  });

  it("derives the payee-set call, which the split takes; the mirror links each payee back to its attribution", async () => {
    const set = await expect(200, "GET", `${base()}/payee-set`, o.user);
    assert.deepEqual(
      set.payees.map((p: { account: string; shareBps: number; fixedAmount: string }) => [p.account, p.shareBps, p.fixedAmount]),
      [
        [accounts()[3]!.toLowerCase(), 3000, "0"],
        [accounts()[4]!.toLowerCase(), 1000, "0"],
        [accounts()[5]!.toLowerCase(), 0, "500"],
      ],
    );
    assert.equal(set.totalShareBps, 4500);
    assert.equal(set.call.to, link.splitAddress);
    await sendCall(w, o.wallet, set.call);
    await w.synced();
    const list = await expect(200, "GET", `${base()}/attributions`, o.user);
    const byId = new Map(list.items.map((a: { id: string }) => [a.id, a]));
    assert.deepEqual((byId.get(performance) as { onChain: unknown }).onChain, { shareBps: 3000, fixedAmount: "0", fixedToken: ETH });
    assert.equal((byId.get(production) as { payoutStatus: string }).payoutStatus, "on_chain");
  });

  it("purchases with and without a referrer; a self-referral and a share above the cap revert naming the rule", async () => {
    await send(o.wallet, link.splitAddress, revenueSplitAbi, "setReferralShare", [1n, 1000]);
    const cap = await read<bigint>(link.splitAddress, revenueSplitAbi, "MAX_REFERRAL_BPS", []);
    await assert.rejects(
      w.t.client.simulateContract({
        address: link.splitAddress,
        abi: revenueSplitAbi,
        functionName: "setReferralShare",
        args: [1n, Number(cap) + 1],
        account: o.wallet,
      }),
      /RevenueSplitReferralShareAboveCap/,
    );
    const refLink = await expect(200, "POST", `${base()}/referral-links`, creator);
    assert.equal(refLink.referrerAddress, accounts()[4]!.toLowerCase());
    assert.deepEqual(await expect(200, "GET", `/api/v1/referral-links/${refLink.code}`, undefined), refLink);
    await expect(403, "POST", `${base()}/referral-links`, artist); // not a creator or sponsor
    const fan = accounts()[6]!;
    await assert.rejects(
      w.t.client.simulateContract({
        address: link.ticketAddress,
        abi: eventTicketAbi,
        functionName: "purchaseWithReferrer",
        args: [1n, 1n, fan, fan],
        value: PRICE,
        account: fan,
      }),
      /EventTicketSelfReferral/,
    );
    await send(fan, link.ticketAddress, eventTicketAbi, "purchaseWithReferrer", [1n, 2n, fan, refLink.referrerAddress], 2n * PRICE);
    await send(accounts()[7]!, link.ticketAddress, eventTicketAbi, "purchase", [1n, 1n, accounts()[7]!], PRICE);
    await w.synced();
    const earnings = await expect(200, "GET", `${base()}/referral-earnings`, creator);
    assert.deepEqual(
      earnings.items.map((e: { referrer: string; credited: string; claimable: string }) => [e.referrer, e.credited, e.claimable]),
      [[accounts()[4]!.toLowerCase(), ((2n * PRICE) / 10n).toString(), "0"]],
    );
  });

  it("after settlement and claims, paid and claimable per attribution equal the contract's views; nothing changes after the lock", async () => {
    await w.t.rpc("evm_increaseTime", [3 * 86_400]);
    await w.t.mine();
    await send(accounts()[7]!, link.ticketAddress, eventTicketAbi, "settle", [ETH]);
    await send(accounts()[3]!, link.splitAddress, revenueSplitAbi, "claim", [ETH]); // the artist claims
    await send(accounts()[4]!, link.splitAddress, revenueSplitAbi, "claimReferral", [ETH]); // the creator its referrals only
    await w.synced();
    const list = await expect(200, "GET", `${base()}/attributions`, o.user);
    for (const a of list.items as Array<{
      id: string;
      status: string;
      payoutAddress: string;
      payouts: Array<{ token: string; released: string; claimable: string }>;
      payoutStatus: string;
    }>) {
      if (a.status !== "accepted") continue;
      const account = a.payoutAddress as Address;
      const eth = a.payouts.find((p) => p.token === ETH)!;
      assert.equal(BigInt(eth.released), await read<bigint>(link.splitAddress, revenueSplitAbi, "released", [account, ETH]), `released of ${a.id}`);
      assert.equal(BigInt(eth.claimable), await read<bigint>(link.splitAddress, revenueSplitAbi, "claimable", [account, ETH]), `claimable of ${a.id}`);
    }
    const byId = new Map((list.items as Array<{ id: string; payoutStatus: string }>).map((a) => [a.id, a.payoutStatus]));
    assert.equal(byId.get(performance), "paid");
    assert.equal(byId.get(promotion), "claimable");
    // the edition's attribution adds up what the edition's event splits paid and owe its payout address
    const edition = await expect(200, "GET", `/api/v1/editions/${editionId}/attributions`, o.user);
    const whole = edition.items.find((a: { id: string }) => a.id === editionShare);
    const editionEth = whole.payouts.find((p: { token: string }) => p.token === ETH);
    assert.equal(BigInt(editionEth.released), await read<bigint>(link.splitAddress, revenueSplitAbi, "released", [accounts()[3], ETH]));
    assert.equal(whole.payoutStatus, "paid");
    const earnings = await expect(200, "GET", `${base()}/referral-earnings`, o.user);
    const [e] = earnings.items;
    assert.equal(BigInt(e.released), await read<bigint>(link.splitAddress, revenueSplitAbi, "referralReleased", [accounts()[4], ETH]));
    assert.equal(BigInt(e.claimable), await read<bigint>(link.splitAddress, revenueSplitAbi, "referralClaimable", [accounts()[4], ETH]));
    assert.equal(e.released, ((2n * PRICE) / 10n).toString());

    // the split is locked: no change to an accepted attribution, no payee set, no new proposal
    const changed = await api("PATCH", `/api/v1/attributions/${performance}`, o.user, { shareBps: 2500 });
    assert.equal(changed.status, 409);
    assert.equal(changed.body.code, "split_locked");
    assert.equal((await w.db("attributions").where({ id: performance }).first()).share_bps, 3000);
    assert.equal((await api("GET", `${base()}/payee-set`, o.user)).body.code, "split_locked");
    const late = await api("POST", `${base()}/attributions`, o.user, {
      contributor: { kind: "artist", profileId: artistProfile },
      contributionType: "other",
      shareBps: 1,
    });
    assert.equal(late.status, 409);
  });
});
