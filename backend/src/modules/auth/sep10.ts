import { Horizon, Keypair, TransactionBuilder, WebAuth } from "@stellar/stellar-sdk";
import type { Knex } from "knex";
import type { Config } from "../../../../lib/config.js";
import { newId } from "../../../../lib/ids.js";
import { unauthorized } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { StellarChallenge, type NoncePurpose } from "./models.js";

/**
 * Stellar SEP-10 web authentication. The server builds and signs a challenge transaction for
 * the client account; the client signs it; the server checks its own signature, the time
 * bounds, the home and web-auth domains, the client's signers (weight >= medium threshold when
 * the account exists on a Horizon we know, else the master key), and spends the challenge once.
 */
export class StellarWebAuth {
  private readonly serverKeypair: Keypair;
  private readonly stellar: Config["auth"]["stellar"];

  constructor(config: Config) {
    this.stellar = config.auth.stellar;
    const secret = this.stellar.signingSecret;
    this.serverKeypair = typeof secret === "string" ? Keypair.fromSecret(secret) : Keypair.fromRawEd25519Seed(secret);
  }

  get serverAccountId(): string {
    return this.serverKeypair.publicKey();
  }

  async buildChallenge(db: Knex, account: string, purpose: NoncePurpose, userId: string | null = null) {
    const { homeDomain, webAuthDomain, networkPassphrase, challengeTtlSeconds } = this.stellar;
    const xdr = WebAuth.buildChallengeTx(this.serverKeypair, account, homeDomain, challengeTtlSeconds, networkPassphrase, webAuthDomain);
    const txHash = Buffer.from(TransactionBuilder.fromXDR(xdr, networkPassphrase).hash()).toString("hex");
    const expiresAt = new Date(Date.now() + challengeTtlSeconds * 1000);
    await StellarChallenge.query(db).insert({ id: newId(), tx_hash: txHash, account, purpose, user_id: userId, expires_at: expiresAt });
    return { transaction: xdr, networkPassphrase, serverAccountId: this.serverAccountId, expiresAt: expiresAt.toISOString() };
  }

  /** Checks a signed challenge; returns the client account. Does not spend it: see `consumeChallenge`. */
  async verify(transaction: string): Promise<{ account: string; txHash: string }> {
    const { homeDomain, webAuthDomain, networkPassphrase } = this.stellar;
    const refuse = (why: string) => unauthorized("invalid_stellar_challenge", `sign-in refused: ${why}`);
    let account: string;
    let txHash: string;
    try {
      const read = WebAuth.readChallengeTx(transaction, this.serverAccountId, networkPassphrase, homeDomain, webAuthDomain);
      account = read.clientAccountID;
      txHash = Buffer.from(read.tx.hash()).toString("hex");
    } catch (error) {
      throw refuse((error as Error).message);
    }
    try {
      const signers = await this.accountSigners(account);
      if (signers) {
        WebAuth.verifyChallengeTxThreshold(transaction, this.serverAccountId, networkPassphrase, signers.threshold, signers.signers, homeDomain, webAuthDomain);
      } else {
        WebAuth.verifyChallengeTxSigners(transaction, this.serverAccountId, networkPassphrase, [account], homeDomain, webAuthDomain);
      }
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw refuse((error as Error).message);
    }
    return { account, txHash };
  }

  /** Spends the challenge in the caller's transaction: one use, unexpired, built by us for this purpose. */
  async consumeChallenge(trx: Knex.Transaction, txHash: string, account: string, purpose: NoncePurpose, userId: string | null = null): Promise<void> {
    const query = StellarChallenge.query(trx).where({ tx_hash: txHash, account, purpose }).whereNull("consumed_at").where("expires_at", ">", trx.fn.now());
    if (userId) query.where({ user_id: userId });
    const rows = await query.patch({ consumed_at: trx.fn.now() }).returning("id");
    if (rows.length !== 1) throw unauthorized("invalid_stellar_challenge", "sign-in refused: the challenge is unknown, expired or already used");
  }

  /** The account's signers and medium threshold from Horizon; null when no Horizon or no such account (master key then). */
  private async accountSigners(account: string) {
    if (!this.stellar.horizonUrl) return null;
    try {
      const record = await new Horizon.Server(this.stellar.horizonUrl).loadAccount(account);
      return { threshold: record.thresholds.med_threshold, signers: record.signers };
    } catch (error) {
      if ((error as { response?: { status?: number } }).response?.status === 404) return null;
      throw new HttpError(503, "stellar_unavailable", "cannot reach Horizon to check the account's signers");
    }
  }
}
