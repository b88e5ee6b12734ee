import type { Page } from "playwright-core";

/**
 * Presses the scanner's start (or next) button and waits for the verdict. Chromium's fake camera
 * re-reads its file each time the camera opens, but now and then, opened again right after the
 * last stream closed, it delivers black frames: then the camera is stopped and started again
 * (at most `attempts` times). Answers the verdict code and how many restarts it took.
 */
export async function scanOnce(
  page: Page,
  opts: { first?: boolean; attempts?: number; timeoutMs?: number } = {},
): Promise<{ verdict: string; restarts: number }> {
  const attempts = opts.attempts ?? 3;
  const verdict = page.locator("[data-testid=verdict][data-verdict]");
  await page.getByTestId(opts.first ? "start-camera" : "next-scan").click();
  for (let restarts = 0; ; restarts++) {
    try {
      await verdict.waitFor({ timeout: opts.timeoutMs ?? 6000 });
      return { verdict: (await verdict.getAttribute("data-verdict"))!, restarts };
    } catch (error) {
      if (restarts + 1 >= attempts) throw error;
      const stop = page.getByRole("button", { name: "Stop", exact: true });
      if (await stop.count()) await stop.click();
      await page.getByTestId("start-camera").click();
    }
  }
}
