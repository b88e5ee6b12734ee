import type { Knex } from "knex";
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  http,
  parseEther,
  parseEventLogs,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { eventTicketAbi } from "../../lib/abis/EventTicket.js";
import { chainDefinition } from "../../lib/chain.js";
import type { Config } from "../../lib/config.js";
import { encodePass, signPass } from "../../backend/src/modules/gate/pass.js";
import { runAdminCommand } from "./admin-commands.js";
import { linkToken } from "./mailbox.js";

/**
 * The ticket story, end to end, against a running API, its chain and its indexer:
 * an organizer links a festival to a new on-chain event (signing the factory call with their
 * wallet), a fan buys a ticket on-chain, the indexer mirrors it, the fan signs in with SIWE
 * and shows a pass, the gate admits once and refuses the second scan, the check-in is
 * anchored on-chain and the ticket can no longer be transferred.
 *
 * Used by test/e2e/ticket-flow.test.ts (which asserts on what it returns) and by
 * `npm run demo` (which narrates it). Everything goes through the HTTP API and the chain,
 * except the first platform admin, whom the admin CLI creates (nothing else can), and the
 * mails people receive (readMail: the demo reads the .eml files the API writes).
 */
export interface StoryOptions {
  api: string;
  rpcUrl: string;
  db: Knex;
  config: Config;
  say: (line: string) => void;
  /** The newest mail delivered to `to`, as its recipient reads it. */
  readMail: (to: string) => Promise<string>;
  /** How to make the anchor loop run now (the e2e calls its tick); default: wait for the API's own loop. */
  anchorNow?: () => Promise<unknown>;
  timeoutMs?: number;
}

export interface StoryResult {
  eventContractId: string;
  festivalId: string;
  organizerToken: string;
  stewardToken: string;
  gateZoneId: string;
  ticketAddress: Address;
  tokenId: bigint;
  fan: Address;
  firstScan: Record<string, unknown>;
  secondScan: Record<string, unknown>;
  platformPassScan: Record<string, unknown>;
  myTickets: Array<Record<string, unknown>>;
  checkInTx: Hex | null;
  onChainCheckedIn: boolean;
  transferRevert: string | null;
}

async function call(api: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(api + path, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (res.status >= 400) throw new Error(`${method} ${path} -> ${res.status}: ${text}`);
  return json;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runTicketStory(opts: StoryOptions): Promise<StoryResult> {
  const { api, db, config, say } = opts;
  const timeout = opts.timeoutMs ?? 60_000;
  const client = createPublicClient({ transport: http(opts.rpcUrl), pollingInterval: 100 }) as PublicClient;
  const chainId = await client.getChainId();
  const chain = chainDefinition(chainId, opts.rpcUrl);
  const [funder] = (await client.request({ method: "eth_accounts" } as never)) as Address[];
  if (!funder) throw new Error("the chain has no unlocked account to fund the story's wallets (a Hardhat node has)");
  const funderWallet = createWalletClient({ account: funder, chain, transport: http(opts.rpcUrl) });
  const fund = async (to: Address, eth: string) => {
    const hash = await funderWallet.sendTransaction({ to, value: parseEther(eth) });
    await client.waitForTransactionReceipt({ hash });
  };
  const walletOf = (account: PrivateKeyAccount) => createWalletClient({ account, chain, transport: http(opts.rpcUrl) });

  // 1. the people: the first admin from the CLI, everyone else signs up through the API
  const stamp = Date.now().toString(36);
  const password = "demo passphrase, long enough";
  const adminEmail = `ada-${stamp}@demo.festival.test`;
  await runAdminCommand(db, config, ["create-admin", "--email", adminEmail, "--password", password, "--name", "Ada (platform admin)"]);
  const adminToken = (await call(api, "POST", "/api/v1/auth/password/sign-in", { email: adminEmail, password })).accessToken as string;
  say(`Ada, the platform admin, was created with \`npm run admin -- create-admin\` and signed in.`);

  /** Signs up with email + password, confirms the address from the mail's link, signs in. */
  const signUp = async (name: string, displayName: string) => {
    const email = `${name}-${stamp}@demo.festival.test`;
    await call(api, "POST", "/api/v1/auth/password/register", { email, password, displayName }); // 202, no body: it never says whether the email was known
    await call(api, "POST", "/api/v1/auth/email/verify", { token: linkToken(await opts.readMail(email)) });
    const { userId, accessToken } = await call(api, "POST", "/api/v1/auth/password/sign-in", { email, password });
    return { userId: userId as string, email, accessToken: accessToken as string };
  };
  const organizer = await signUp("olivia", "Olivia (organizer)");
  const organizerKey = privateKeyToAccount(generatePrivateKey());
  const { nonce: linkNonce } = await call(api, "POST", "/api/v1/me/wallets/evm/nonce", undefined, organizer.accessToken);
  const linkMessage = createSiweMessage({
    domain: config.auth.siwe.domain,
    uri: config.auth.siwe.uri,
    address: organizerKey.address,
    chainId,
    nonce: linkNonce,
    version: "1",
    issuedAt: new Date(),
    statement: "Link this wallet to my festival account",
  });
  await call(
    api,
    "POST",
    "/api/v1/me/wallets/evm",
    { message: linkMessage, signature: await organizerKey.signMessage({ message: linkMessage }) },
    organizer.accessToken,
  );
  await call(api, "PUT", "/api/v1/me/profiles/organizer", { companyName: "Sunrise Events" }, organizer.accessToken);
  await call(api, "POST", `/api/v1/users/${organizer.userId}/profiles/organizer/verification`, { status: "verified" }, adminToken);
  const organization = await call(api, "POST", "/api/v1/organizations", { name: "Sunrise Events", slug: `sunrise-${stamp}` }, organizer.accessToken);
  const festival = await call(
    api,
    "POST",
    `/api/v1/organizations/${organization.id}/festivals`,
    { name: "Sunrise Festival", slug: `sunrise-festival-${stamp}` },
    organizer.accessToken,
  );
  const festivalId = festival.id as string;
  await fund(organizerKey.address, "10");
  say(
    `Olivia signed up, confirmed her email from the mail's link, linked her wallet ${organizerKey.address} (10 ETH) and was verified as an organizer by Ada.`,
  );
  say(`She created the organization "Sunrise Events" and its festival "Sunrise Festival".`);

  // 2. the organizer links the festival to a new on-chain event
  const now = Math.floor(Date.now() / 1000);
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const price = parseEther("0.05");
  const prepared = await call(
    api,
    "POST",
    `/api/v1/festivals/${festivalId}/event-contracts`,
    {
      organizerAddress: organizerKey.address,
      name: "Sunrise Festival 2026",
      symbol: "SUN26",
      startsAt: iso(now - 60),
      endsAt: iso(now + 3 * 86_400),
      transferPolicy: "free",
      zones: [
        { code: "main-gate", name: "Main gate", kind: "entrance" },
        { code: "vip-deck", name: "VIP deck", kind: "area", capacity: 200 },
      ],
      tiers: [
        { name: "STANDARD", price: price.toString(), supply: 1000, maxPerBuyer: 4, saleStart: iso(now - 60), saleEnd: iso(now + 86_400) },
        { name: "VIP", price: (price * 4n).toString(), supply: 100, saleStart: iso(now - 60), saleEnd: iso(now + 86_400), zones: ["vip-deck"] },
      ],
      payees: [{ account: organizerKey.address, shareBps: 9000 }],
    },
    organizer.accessToken,
  );
  say(`The API prepared the EventFactory.createEvent call (${prepared.createEventCall.data.length / 2 - 1} bytes of calldata) for her wallet to sign.`);
  const organizerWallet = walletOf(organizerKey);
  const createTx = await organizerWallet.sendTransaction({ to: prepared.createEventCall.to, data: prepared.createEventCall.data });
  await client.waitForTransactionReceipt({ hash: createTx });
  await call(api, "POST", `/api/v1/event-contracts/${prepared.id}/transaction`, { txHash: createTx }, organizer.accessToken);
  say(`She signed and sent it (tx ${createTx}) and told the API.`);
  const linked = await until("the indexer to mirror EventCreated", timeout, async () => {
    const link = await call(api, "GET", `/api/v1/event-contracts/${prepared.id}`, undefined, organizer.accessToken);
    return link.status === "linked" ? link : undefined;
  });
  const ticketAddress = linked.ticketAddress as Address;
  say(`The indexer mirrored EventCreated: the festival is linked to ticket contract ${ticketAddress}.`);
  const grantTx = await organizerWallet.sendTransaction({ to: linked.grantScannerCall.to, data: linked.grantScannerCall.data });
  await client.waitForTransactionReceipt({ hash: grantTx });
  await until(
    "the scanner role",
    timeout,
    async () => (await call(api, "GET", `/api/v1/event-contracts/${prepared.id}`, undefined, organizer.accessToken)).scannerGranted,
  );
  say(`She granted the platform's gate account ${linked.scannerAddress} the SCANNER role on her event.`);

  const steward = await signUp("sam", "Sam (steward)");
  await call(api, "PUT", `/api/v1/users/${steward.userId}/roles/security`, undefined, adminToken);
  await call(api, "POST", `/api/v1/festivals/${festivalId}/gate/scanners`, { userId: steward.userId }, organizer.accessToken);
  const gateZone = (linked.zones as Array<{ id: string; code: string }>).find((z) => z.code === "main-gate")!;
  say("Sam, a security steward with no crypto wallet, signed up; Ada gave him the security role and Olivia made him a scanner of the festival.");

  // 3. a fan buys a ticket on-chain
  const fanKey = privateKeyToAccount(generatePrivateKey());
  await fund(fanKey.address, "1");
  const fanWallet = walletOf(fanKey);
  const buyTx = await fanWallet.writeContract({
    address: ticketAddress,
    abi: eventTicketAbi,
    functionName: "purchase",
    args: [1n, 1n, fanKey.address],
    value: price,
  });
  const receipt = await client.waitForTransactionReceipt({ hash: buyTx });
  const [purchased] = parseEventLogs({ abi: eventTicketAbi, eventName: "TicketPurchased", logs: receipt.logs });
  const tokenId = purchased!.args.firstTokenId;
  say(`Fatima, a fan, bought STANDARD ticket #${tokenId} for 0.05 ETH from her own wallet ${fanKey.address}.`);

  // 4. she signs in with Ethereum and sees it
  const { nonce } = await call(api, "POST", "/api/v1/auth/siwe/nonce");
  const message = createSiweMessage({
    domain: config.auth.siwe.domain,
    uri: config.auth.siwe.uri,
    address: fanKey.address,
    chainId,
    nonce,
    version: "1",
    issuedAt: new Date(),
    statement: "Sign in to the festival platform",
  });
  const session = await call(api, "POST", "/api/v1/auth/siwe/verify", { message, signature: await fanKey.signMessage({ message }) });
  say("She signed in with her wallet (Sign-In with Ethereum).");
  const mine = await until("the ticket in the fan's list", timeout, async () => {
    const list = await call(api, "GET", "/api/v1/me/tickets", undefined, session.accessToken);
    return list.items.length > 0 ? list.items : undefined;
  });
  say(`"My tickets" shows ${mine.length} ticket: ${mine[0].event.name}, ${mine[0].tierName}, state ${mine[0].state}.`);

  // 5. at the gate
  const holderPass = async () =>
    encodePass(
      await signPass(
        fanKey,
        { chainId, contract: ticketAddress, tokenId, holder: fanKey.address, validUntil: Math.floor(Date.now() / 1000) + 30, nonce: BigInt(Date.now()) },
        "holder",
      ),
    );
  const firstScan = await call(api, "POST", "/api/v1/gate/scan", { payload: await holderPass(), zoneId: gateZone.id }, steward.accessToken);
  say(`At the main gate Sam scanned the QR code her wallet signed: ${firstScan.verdict} (${firstScan.ticket?.category}).`);
  const secondScan = await call(api, "POST", "/api/v1/gate/scan", { payload: await holderPass(), zoneId: gateZone.id }, steward.accessToken);
  say(`Someone showed the same ticket again: ${secondScan.verdict} - "${secondScan.message}"`);
  const issued = await call(api, "POST", "/api/v1/gate/passes", { contract: ticketAddress, tokenId: tokenId.toString() }, session.accessToken);
  const platformPassScan = await call(api, "POST", "/api/v1/gate/scan", { payload: issued.payload, zoneId: gateZone.id }, steward.accessToken);
  say(`A platform-signed pass from the app for the same ticket: ${platformPassScan.verdict}.`);

  // 6. the check-in lands on-chain
  if (opts.anchorNow) await opts.anchorNow();
  const anchored = await until("the check-in on-chain", timeout, async () => {
    if (opts.anchorNow) await opts.anchorNow();
    const page = await call(api, "GET", `/api/v1/tickets/${ticketAddress}/${tokenId}`);
    return page.checkIn.onChain ? page : undefined;
  });
  const row = await db("gate_check_ins").where({ contract_address: ticketAddress.toLowerCase(), token_id: tokenId.toString() }).first("anchor_tx_hash");
  const onChainCheckedIn = await client.readContract({ address: ticketAddress, abi: eventTicketAbi, functionName: "isCheckedIn", args: [tokenId] });
  say(`The gate's check-in was anchored on-chain (tx ${row?.anchor_tx_hash}); the mirror confirms it at ${anchored.checkIn.onChainAt}.`);

  // 7. and the ticket cannot be passed back over the fence
  let transferRevert: string | null = null;
  try {
    await client.simulateContract({
      account: fanKey,
      address: ticketAddress,
      abi: eventTicketAbi,
      functionName: "transferFrom",
      args: [fanKey.address, privateKeyToAccount(generatePrivateKey()).address, tokenId],
    });
  } catch (error) {
    const revert = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    transferRevert = revert instanceof ContractFunctionRevertedError ? (revert.data?.errorName ?? "reverted") : (error as Error).message.split("\n")[0]!;
  }
  say(`Fatima tried to transfer the used ticket to a friend: refused by the contract (${transferRevert}).`);

  return {
    eventContractId: prepared.id,
    festivalId,
    organizerToken: organizer.accessToken,
    stewardToken: steward.accessToken,
    gateZoneId: gateZone.id,
    ticketAddress,
    tokenId,
    fan: fanKey.address,
    firstScan,
    secondScan,
    platformPassScan,
    myTickets: mine,
    checkInTx: (row?.anchor_tx_hash as Hex | undefined) ?? null,
    onChainCheckedIn,
    transferRevert,
  };
}
