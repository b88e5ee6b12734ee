import assert from "node:assert/strict";
import { identifierPattern, identifierStrings } from "../../../backend/src/modules/personal-data/identifiers.js";
import { testDatabase } from "../../support/database.js";

describe("personal data: what the scan and the scrub look for", () => {
  const matches = async (pattern: string, text: string) =>
    (await (await testDatabase()).raw<{ rows: Array<{ m: boolean }> }>("select ?::text ~* ? as m", [text, pattern])).rows[0]!.m;

  it("finds whole words only, in any case, in clear and inside JSON text", async () => {
    const p = identifierPattern(["Anna", "bob@example.test", 'Jo "JJ" Doe'])!;
    assert.equal(await matches(p, "Hi ANNA, welcome"), true);
    assert.equal(await matches(p, "Johanna and Annabel"), false, "not inside another name");
    assert.equal(await matches(p, "mail bob@example.test now"), true);
    assert.equal(await matches(p, "jimbob@example.test"), false, "not inside another address");
    assert.equal(await matches(p, JSON.stringify({ name: 'Jo "JJ" Doe' })), true, "the JSON-escaped form too");
    assert.equal(await matches(p, "a.b+c?(d)"), false, "regex characters are escaped");
  });

  it("leaves out names too short to search for, and nothing gives no pattern", () => {
    const s = { userId: "x", emails: ["a@b.test"], names: ["Al", "Alice"], phones: ["12"], taxIds: [], addresses: [] };
    assert.deepEqual(identifierStrings(s).all, ["a@b.test", "Alice"]);
    assert.equal(identifierPattern([]), null);
  });
});
