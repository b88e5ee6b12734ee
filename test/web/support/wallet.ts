import { createWalletClient, http, type Hex, type TypedDataDefinition } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { BrowserContext } from "playwright-core";
import { chainDefinition } from "../../../lib/chain.js";

/**
 * The test wallet: an EIP-1193 provider injected into every page of a context and announced
 * with EIP-6963, like a browser extension. It signs with a local test account in the test
 * process (real secp256k1 signatures) and sends real transactions to the local chain; anything
 * else it forwards to the node, as a wallet's RPC would.
 */
export async function installWallet(context: BrowserContext, account: PrivateKeyAccount, opts: { rpcUrl: string; chainId: number }): Promise<void> {
  const wallet = createWalletClient({ account, chain: chainDefinition(opts.chainId, opts.rpcUrl), transport: http(opts.rpcUrl) });
  let rpcId = 0;
  const forward = async (method: string, params: unknown[]) => {
    const res = await fetch(opts.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
    });
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
    return body;
  };
  await context.exposeBinding("__testWalletRequest", async (_source, method: string, params: unknown[]) => {
    try {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return { result: [account.address] };
        case "eth_chainId":
          return { result: `0x${opts.chainId.toString(16)}` };
        case "net_version":
          return { result: String(opts.chainId) };
        case "wallet_switchEthereumChain":
          return { result: null };
        case "personal_sign": {
          const [message] = params as [Hex, string];
          return { result: await account.signMessage({ message: { raw: message } }) };
        }
        case "eth_signTypedData_v4": {
          const [, json] = params as [string, string];
          const typed = JSON.parse(json) as TypedDataDefinition & { types: Record<string, unknown> };
          const { EIP712Domain: _domain, ...types } = typed.types;
          return { result: await account.signTypedData({ ...typed, types } as TypedDataDefinition) };
        }
        case "eth_sendTransaction": {
          const [tx] = params as [{ to: Hex; data?: Hex; value?: Hex; gas?: Hex }];
          const hash = await wallet.sendTransaction({
            to: tx.to,
            data: tx.data,
            value: tx.value ? BigInt(tx.value) : undefined,
            gas: tx.gas ? BigInt(tx.gas) : undefined,
          });
          return { result: hash };
        }
        default:
          return await forward(method, params);
      }
    } catch (error) {
      return { error: { code: 4001, message: (error as Error).message.split("\n")[0] } };
    }
  });
  // a string, not a function: the test runner's transpiler would put helpers into a function's source
  await context.addInitScript(`(() => {
    const provider = {
      isTestWallet: true,
      async request({ method, params }) {
        const answer = await window.__testWalletRequest(method, params ?? []);
        if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
        return answer.result;
      },
      on() {},
      removeListener() {},
    };
    const info = {
      uuid: "5b0f6a7e-1c1e-4d0e-9d8e-000000000001",
      name: "Test Wallet",
      icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'/%3E",
      rdns: "test.festival.wallet",
    };
    const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
    window.addEventListener("eip6963:requestProvider", announce);
    announce();
  })();`);
}
