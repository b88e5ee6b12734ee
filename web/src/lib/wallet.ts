import { BrowserProvider, getAddress, JsonRpcSigner, type Eip1193Provider } from "ethers";
import { api } from "./api.js";
import { setSession, type Area } from "./session.js";
import { t } from "../i18n.js";

/** An injected wallet, as EIP-6963 announces it (or the legacy window.ethereum). */
export interface WalletInfo {
  uuid: string;
  name: string;
  icon: string;
  rdns: string;
  provider: Eip1193Provider;
}

interface AnnounceEvent extends Event {
  detail: { info: { uuid: string; name: string; icon: string; rdns: string }; provider: Eip1193Provider };
}

const found = new Map<string, WalletInfo>();
window.addEventListener("eip6963:announceProvider", (event) => {
  const { info, provider } = (event as AnnounceEvent).detail;
  found.set(info.uuid, { ...info, provider });
});

/** The wallets in this browser: asks them to announce (EIP-6963), waits briefly, else window.ethereum. */
export async function discoverWallets(waitMs = 150): Promise<WalletInfo[]> {
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  await new Promise((r) => setTimeout(r, waitMs));
  const list = [...found.values()];
  const legacy = (window as unknown as { ethereum?: Eip1193Provider }).ethereum;
  if (!list.length && legacy) list.push({ uuid: "legacy", name: "Browser wallet", icon: "", rdns: "legacy", provider: legacy });
  return list;
}

export interface Connected {
  wallet: WalletInfo;
  provider: BrowserProvider;
  signer: JsonRpcSigner;
  address: string;
  chainId: number;
}

const connections = new Map<string, Connected>();

export async function connect(wallet: WalletInfo): Promise<Connected> {
  const cached = connections.get(wallet.uuid);
  if (cached) return cached;
  const provider = new BrowserProvider(wallet.provider, "any");
  const accounts = (await wallet.provider.request({ method: "eth_requestAccounts" })) as string[];
  if (!accounts.length) throw new Error("the wallet gave no account");
  const address = getAddress(accounts[0]!);
  const chainId = Number(await wallet.provider.request({ method: "eth_chainId" }));
  const connected = { wallet, provider, signer: new JsonRpcSigner(provider, address), address, chainId };
  connections.set(wallet.uuid, connected);
  return connected;
}

/** The wallet a session signed in with, connected again (null when it is gone). */
export async function reconnect(rdns: string | undefined, address: string | undefined): Promise<Connected | null> {
  if (!rdns || !address) return null;
  const wallets = await discoverWallets();
  const wallet = wallets.find((w) => w.rdns === rdns) ?? wallets[0];
  if (!wallet) return null;
  const c = await connect(wallet);
  return c.address.toLowerCase() === address.toLowerCase() ? c : null;
}

/** The EIP-4361 message the API verifies (it names exactly the domain and URI the API was configured with). */
export function siweMessage(m: { domain: string; uri: string; address: string; chainId: number; nonce: string; statement: string }): string {
  return [
    `${m.domain} wants you to sign in with your Ethereum account:`,
    m.address,
    "",
    m.statement,
    "",
    `URI: ${m.uri}`,
    "Version: 1",
    `Chain ID: ${m.chainId}`,
    `Nonce: ${m.nonce}`,
    `Issued At: ${new Date().toISOString()}`,
  ].join("\n");
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
  userId: string;
}

/** Sign-In with Ethereum: nonce, the wallet signs the message locally, the API verifies and opens a session. */
export async function signInWithWallet(area: Area, wallet: WalletInfo): Promise<Connected> {
  const c = await connect(wallet);
  const nonce = await api<{ nonce: string; domain: string; uri: string; chainIds: number[] }>("/auth/siwe/nonce", { method: "POST" });
  const chainId = nonce.chainIds.includes(c.chainId) ? c.chainId : nonce.chainIds[0]!;
  const message = siweMessage({ domain: nonce.domain, uri: nonce.uri, address: c.address, chainId, nonce: nonce.nonce, statement: t("signIn.statement") });
  const signature = await c.signer.signMessage(message);
  const tokens = await api<Tokens>("/auth/siwe/verify", { body: { message, signature } });
  setSession(area, {
    ...tokens,
    method: "siwe",
    address: c.address.toLowerCase(),
    walletRdns: wallet.rdns,
    label: `${c.address.slice(0, 6)}…${c.address.slice(-4)}`,
  });
  return c;
}
