import type { Knex } from "knex";
import * as secp from "tiny-secp256k1";
import { bytesToHex, hexToBytes, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Config } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { encodePass, type SignedPass } from "../../backend/src/modules/gate/pass.js";
import { passDigest } from "../../backend/src/modules/gate/passes.js";
import { CHAIN_ID, seedEvent, type SeededEvent } from "../../test/backend/gate/fixtures.js";

const HOLDERS = 200;

export interface GateWorld {
  event: SeededEvent;
  /** Scan request bodies for tickets from..from+count-1: fresh platform-signed passes (they live 60 s). */
  makePasses(from: number, count: number): string[];
}

/** The gate benches' world: one event, `tickets` distinct mirrored tickets held by 200 holders with wallets, settled (vacuumed, checkpointed). */
export async function seedGateWorld(db: Knex, config: Config, tickets: number): Promise<GateWorld> {
  const platformKey = hexToBytes(config.gate.passSigningKey);
  const event = await seedEvent(db);
  const holders: Address[] = [];
  for (let i = 0; i < HOLDERS; i++) {
    const userId = newId();
    const address = privateKeyToAccount(generatePrivateKey()).address.toLowerCase() as Address;
    holders.push(address);
    await db("users").insert({ id: userId, email: `holder-${userId}@bench.test`, display_name: `Holder ${i}` });
    await db("wallets").insert({ id: newId(), user_id: userId, network: "evm", address, is_primary: true, verified_at: new Date() });
  }
  {
    // in a block: the rows are garbage once inserted (no 100,000 live objects during the measurements)
    const rows = [];
    for (let i = 0; i < tickets; i++) {
      rows.push({
        chain_id: CHAIN_ID,
        contract_address: event.contract,
        token_id: (1_000_000 + i + 1).toString(),
        tier_id: 1,
        owner_address: holders[i % HOLDERS],
        burned: false,
        is_comp: false,
        face_value: "1000",
        currency: "0x0000000000000000000000000000000000000000",
        minted_block_number: 1,
        minted_tx_hash: `0x${"ef".repeat(32)}`,
        minted_at: new Date(),
        transfer_count: 0,
        checked_in: false,
        resale_listed: false,
        refund_state: "none",
        last_block_number: 1,
      });
    }
    for (let i = 0; i < rows.length; i += 2000) await db("chain_tickets").insert(rows.slice(i, i + 2000));
  }
  await db.raw("vacuum analyze"); // settle the seed now (else autovacuum visits 100,000 new rows during the first measurement)
  await db.raw("checkpoint"); // and flush its pages, so a timed checkpoint does not write them during one

  const makePasses = (from: number, count: number) => {
    const validUntil = Math.floor(Date.now() / 1000) + 60;
    const out: string[] = [];
    for (let i = from; i < from + count; i++) {
      const pass = {
        chainId: CHAIN_ID,
        contract: event.contract,
        tokenId: BigInt(1_000_000 + i + 1),
        holder: holders[i % HOLDERS]!,
        validUntil,
        nonce: BigInt(i),
      };
      const { signature, recoveryId } = secp.signRecoverable(passDigest(pass), platformKey);
      const signed: SignedPass = { ...pass, signer: "platform", signature: `${bytesToHex(signature)}${(27 + recoveryId).toString(16)}` as `0x${string}` };
      out.push(JSON.stringify({ payload: encodePass(signed), zoneId: event.zones.gate }));
    }
    return out;
  };
  return { event, makePasses };
}
