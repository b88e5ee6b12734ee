import assert from "node:assert/strict";
import { checkoutPage, safeReturnPath } from "../../../backend/src/modules/payments/checkout-page.js";
import { useTestApi, call, expectStatus } from "../../support/api-suite.js";

describe("payments: the test checkout page's way back to the shop, and public card prices", () => {
  const intent = { id: "tpi_1", status: "requires_payment" as const, amount: 4500, currency: "EUR", lastError: null };

  it("returns only to a path on this site (never an open redirect)", () => {
    assert.equal(safeReturnPath("/orders/0193a0b2-0000-7000-8000-000000000001"), "/orders/0193a0b2-0000-7000-8000-000000000001");
    for (const bad of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/a b", "/x?y=1", "", 3, undefined])
      assert.equal(safeReturnPath(bad), null, String(bad));
  });

  it("keeps the return path through the forms and links back to it", () => {
    const html = checkoutPage(intent, "/api/v1/payments/test-checkout/tpi_1", "/orders/abc");
    assert.match(html, /action="\/api\/v1\/payments\/test-checkout\/tpi_1\/confirm\?return=%2Forders%2Fabc"/);
    assert.match(html, /<a href="\/orders\/abc">Back to the shop<\/a>/);
    assert.doesNotMatch(checkoutPage(intent, "/api/v1/payments/test-checkout/tpi_1"), /Back to the shop/);
  });

  describe("GET /event-contracts/{id}/card-prices", () => {
    const t = useTestApi();
    it("is public: an unknown event has none; a malformed id is a 400 naming the parameter", async () => {
      assert.deepEqual(await expectStatus(t.api, 200, "GET", "/api/v1/event-contracts/0193a0b2-0000-7000-8000-000000000001/card-prices", undefined), {
        items: [],
      });
      const bad = await call(t.api, "GET", "/api/v1/event-contracts/nope/card-prices", undefined);
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body.errors), /eventContractId/);
    });
  });
});
