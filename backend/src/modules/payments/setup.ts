import type { Knex } from "knex";
import type { Logger } from "pino";
import type { PublicClient } from "viem";
import { custodyAccount } from "../../../../lib/chain-accounts.js";
import type { Config } from "../../../../lib/config.js";
import { OperatorError } from "../../../../lib/errors.js";
import type { EventContractAccess } from "../gate/zones.js";
import { CustodyChain } from "./custody-chain.js";
import { CustodyService } from "./custody.js";
import { custodialHolder, HoldingSeal } from "./holdings.js";
import { ResaleService } from "./resale.js";
import { TopupService, topupFulfilment } from "./topups.js";
import type { PaymentProvider } from "./provider.js";
import { PaymentsService } from "./service.js";
import { StripeProvider } from "./stripe-provider.js";
import { TestPaymentProvider } from "./test-provider.js";

/** The configured provider: Stripe, the test mode (never in production), or none. */
export function createPaymentProvider(db: Knex, config: Config): PaymentProvider | undefined {
  const p = config.payments;
  if (p.provider === "stripe") {
    if (!p.stripeSecretKey || !p.stripeWebhookSecret) throw new OperatorError("PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET");
    return new StripeProvider(p.stripeSecretKey, p.stripeWebhookSecret);
  }
  if (p.provider === "test") {
    if (config.env === "production") throw new OperatorError("the test-mode payment provider is refused in production: set PAYMENTS_PROVIDER=stripe");
    return new TestPaymentProvider(db, p.testWebhookSecret);
  }
  return undefined;
}

export interface Payments {
  payments: PaymentsService;
  custody: CustodyService;
  topups: TopupService;
  chain: CustodyChain | undefined;
  /** For the gate: the custody's address if it holds this ticket for this user (sealed holding), else null. */
  custodialHolder: (ref: { chainId: number; contract: string; tokenId: string; userId: string }) => Promise<string | null>;
}

export function createPayments(deps: {
  db: Knex;
  config: Config;
  chain?: { client: PublicClient; chainId: number };
  eventContracts: EventContractAccess;
  log?: Logger;
  provider?: PaymentProvider;
}): Payments {
  const account = deps.chain ? custodyAccount(deps.config, deps.chain.chainId) : undefined;
  const chain = deps.chain && account ? new CustodyChain(deps.chain.client, deps.chain.chainId, account) : undefined;
  const provider = deps.provider ?? createPaymentProvider(deps.db, deps.config);
  const seal = new HoldingSeal(deps.config.dataEncryptionKey);
  const requireProvider = () => payments.requireProvider();
  const resale = new ResaleService(deps.db, deps.config, seal, requireProvider);
  const payments: PaymentsService = new PaymentsService({
    db: deps.db,
    config: deps.config,
    provider,
    chain,
    eventContracts: deps.eventContracts,
    log: deps.log,
    seal,
    fulfilments: { topup: topupFulfilment, resale: resale.fulfilment() },
  });
  return {
    payments,
    custody: new CustodyService(deps.db, chain, seal, resale),
    topups: new TopupService(deps.db, deps.config, requireProvider),
    chain,
    custodialHolder: (ref) => custodialHolder(deps.db, payments.seal, ref),
  };
}
