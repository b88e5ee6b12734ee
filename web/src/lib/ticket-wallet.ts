import { Interface, parseEther } from "ethers";
import { api, ApiError } from "./api.js";
import { getSession } from "./session.js";
import type { Page, Ticket } from "./types.js";
import { connect, discoverWallets, siweMessage, type Connected } from "./wallet.js";
import { t } from "../i18n.js";

/**
 * What the tickets page does with a browser wallet (this module and ethers load only when the
 * fan uses one of these): prove a wallet to the account (SIWE over a link nonce, as the API's
 * wallet-linking flow asks), and the ticket contract's transfer and resale calls. The contract
 * decides every move; the page checks the cap first only to say it in words before the wallet opens.
 */
const ticketAbi = new Interface([
  "function safeTransferFrom(address from, address to, uint256 tokenId)",
  "function listForResale(uint256 tokenId, uint256 price)",
  "function cancelResale(uint256 tokenId)",
  "function maxResalePrice(uint256 tokenId) view returns (uint256)",
  "function listing(uint256 tokenId) view returns (address seller, uint256 price, uint256 royalty)",
]);

/** The injected wallet for `address` (the session's wallet first), or one that says which it is. */
async function walletFor(address?: string): Promise<Connected> {
  const wallets = await discoverWallets();
  if (!wallets.length) throw new Error(t("signIn.noWallet"));
  const rdns = getSession("fan")?.walletRdns;
  const ordered = [...wallets.filter((w) => w.rdns === rdns), ...wallets.filter((w) => w.rdns !== rdns)];
  for (const w of ordered) {
    const c = await connect(w);
    if (!address || c.address.toLowerCase() === address.toLowerCase()) return c;
  }
  throw new Error(t("wallet.wrongAccount", { address: `${address!.slice(0, 6)}…${address!.slice(-4)}` }));
}

/** A wallet of the browser, proven to the signed-in account (linked once; later calls only look it up). */
export async function linkedWallet(): Promise<string> {
  const c = await walletFor();
  const address = c.address.toLowerCase();
  const mine = await api<Page<{ network: string; address: string }>>("/me/wallets?limit=100", { as: "fan" });
  if (mine.items.some((w) => w.network === "evm" && w.address.toLowerCase() === address)) return address;
  const nonce = await api<{ nonce: string; domain: string; uri: string; chainIds: number[] }>("/me/wallets/evm/nonce", { as: "fan", method: "POST" });
  const chainId = nonce.chainIds.includes(c.chainId) ? c.chainId : nonce.chainIds[0]!;
  const message = siweMessage({ domain: nonce.domain, uri: nonce.uri, address: c.address, chainId, nonce: nonce.nonce, statement: t("wallet.linkStatement") });
  const signature = await c.signer.signMessage(message);
  await api("/me/wallets/evm", { as: "fan", body: { message, signature } });
  return address;
}

async function send(ticket: Ticket, data: string): Promise<void> {
  const c = await walletFor(ticket.owner ?? undefined);
  if (c.chainId !== ticket.chainId) throw new Error(t("buy.wrongChain", { have: c.chainId, want: ticket.chainId }));
  const tx = await c.signer.sendTransaction({ to: ticket.contract, data });
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new Error(t("wallet.txFailed"));
}

/** ERC-721 safeTransferFrom from the ticket's holder to `to` (the contract refuses where the event forbids it). */
export async function transferTicket(ticket: Ticket, to: string): Promise<void> {
  await send(ticket, ticketAbi.encodeFunctionData("safeTransferFrom", [ticket.owner, to, BigInt(ticket.tokenId)]));
}

export interface ResaleState {
  /** The most the contract accepts now (face value plus the event's cap), in wei. */
  cap: bigint;
  /** The current listing's price, or null. */
  listed: bigint | null;
}

export async function resaleState(ticket: Ticket): Promise<ResaleState> {
  const c = await walletFor(ticket.owner ?? undefined);
  const tokenId = BigInt(ticket.tokenId);
  const read = async (fn: "maxResalePrice" | "listing") =>
    ticketAbi.decodeFunctionResult(fn, await c.provider.call({ to: ticket.contract, data: ticketAbi.encodeFunctionData(fn, [tokenId]) }));
  const [[cap], [seller, price]] = await Promise.all([read("maxResalePrice"), read("listing")]);
  const listed = String(seller).toLowerCase() === String(ticket.owner).toLowerCase() ? (price as bigint) : null;
  return { cap: cap as bigint, listed };
}

/** `priceEth` as typed ("0.05"); refused here above the cap, as the contract would (EventTicketResalePriceTooHigh). */
export async function listForResale(ticket: Ticket, priceEth: string, cap: bigint): Promise<void> {
  let price: bigint;
  try {
    price = parseEther(priceEth.trim().replace(",", "."));
  } catch {
    throw new ApiError(400, "invalid_price", t("resale.badPrice"));
  }
  if (price > cap) throw new ApiError(422, "resale_price_too_high", t("resale.overCap"));
  await send(ticket, ticketAbi.encodeFunctionData("listForResale", [BigInt(ticket.tokenId), price]));
}

export async function cancelResale(ticket: Ticket): Promise<void> {
  await send(ticket, ticketAbi.encodeFunctionData("cancelResale", [BigInt(ticket.tokenId)]));
}
