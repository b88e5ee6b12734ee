import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { abiFile, generateAbiSources } from "../../scripts/gen-abis.js";

describe("lib/abis", function () {
  it("matches the Hardhat artifacts (run `npx hardhat build && npm run abis` when this fails)", function () {
    for (const [name, text] of generateAbiSources()) {
      const file = abiFile(name);
      assert.ok(existsSync(file), `${file} exists`);
      assert.ok(readFileSync(file, "utf8") === text, `lib/abis/${name}.ts is stale relative to its artifact`);
    }
  });
});
