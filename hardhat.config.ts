import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatIgnitionViem from "@nomicfoundation/hardhat-ignition-viem";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";

// No compiler download is possible here: Hardhat compiles with the npm `solc` package
// (soljson.js). Keep the `solc` package version equal to `version`.
const solcPath = createRequire(import.meta.url).resolve("solc/soljson.js");
const viaIr = { evmVersion: "cancun", viaIR: true, optimizer: { enabled: true, runs: 200 } };

/**
 * The one set of compiler settings, used by every build profile: `default` (build, tests) and `production`
 * (`hardhat ignition deploy`, which `npm start` runs). A production profile Hardhat derives by itself keeps only
 * the compiler versions, not their settings, so it would build EventTicket without via-IR, above the limit.
 */
const buildProfile = () => ({
  compilers: [
    {
      version: "0.8.28",
      path: solcPath,
      settings: {
        evmVersion: "cancun", // transient storage for ReentrancyGuardTransient
        optimizer: { enabled: true, runs: 10_000 },
      },
    },
  ],
  overrides: {
    // EventTicket (ERC-721 + AccessControlDefaultAdminRules + tiers, resale, refunds) exceeds the 24 KiB
    // code-size limit (EIP-170) at 10,000 runs; via-IR at 200 runs keeps it ~0.9 KiB under the limit, at a
    // cost of a few hundred gas per sale (still far inside the targets of `npm run bench:gas`).
    "contracts/EventTicket.sol": { version: "0.8.28", path: solcPath, settings: viaIr },
    // A Solidity test compiles what it imports with its own settings: the one that deploys EventTicket must use
    // EventTicket's, or it tests other bytecode (and solc warns that it exceeds the limit).
    "test/contracts/RevenueSplit.t.sol": { version: "0.8.28", path: solcPath, settings: viaIr },
  },
});

export default defineConfig({
  plugins: [hardhatViem, hardhatMocha, hardhatIgnitionViem, hardhatNetworkHelpers, hardhatViemAssertions],
  solidity: {
    profiles: { default: buildProfile(), production: buildProfile() },
  },
  paths: {
    tests: { mocha: "test", solidity: "test/contracts" },
  },
  test: {
    mocha: { timeout: 120_000, slow: 2_000 },
  },
  networks: {
    // `npm start`'s node, or whatever CHAIN_RPC_URL points at.
    localhost: { type: "http", chainType: "l1", url: process.env.CHAIN_RPC_URL ?? "http://127.0.0.1:8545" },
  },
});
