import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError, loadConfig } from "../../../lib/config.js";
import type { Knex } from "../../../lib/database.js";
import { deliverEmail, runMailJobsOnce, type MailSettings } from "../../../backend/src/modules/mail/jobs.js";
import { fileTransport, type MailTransport } from "../../../backend/src/modules/mail/transport.js";
import { isolatedTestDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

/** The text of an .eml file with quoted-printable soft line breaks and escapes undone. */
const decoded = (file: string) =>
  readFileSync(file, "utf8")
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

describe("mail delivery (job queue, file transport)", function () {
  this.timeout(60_000);
  let db: Knex;
  let url: string;
  let drop: () => Promise<void>;
  let api: TestApi;
  let dir: string;
  const config = loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "1000" });
  const settings: MailSettings = config.mail;

  before(async () => {
    ({ db, url, drop } = await isolatedTestDatabase("festival_mail"));
    api = await startTestApi(db, { config });
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "festival-mail-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(async () => {
    await api?.close();
    await drop?.();
  });

  const register = async (email: string) => {
    const res = await api.post("/api/v1/auth/password/register", { email, password: "correct horse battery staple" });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return db("outbound_emails").where({ to_address: email }).first();
  };

  it("a registration's verification mail becomes an .eml file whose link verifies the account", async () => {
    const email = `mail-${Date.now()}@example.test`;
    const row = await register(email);
    assert.equal(row.sent_at, null);
    await runMailJobsOnce({ connectionString: url, db, transport: fileTransport(dir), settings });

    const files = readdirSync(dir);
    assert.deepEqual(files, [`${row.id}.eml`]);
    const text = decoded(path.join(dir, files[0]!));
    assert.match(text, new RegExp(`^To: ${email}$`, "m"));
    assert.match(text, /^Subject: Confirm your email address$/m);
    const link = text.match(/http:\/\/localhost:3000\/verify-email\?token=([A-Za-z0-9_%-]+)/);
    assert.ok(link, text);
    assert.equal((await db("outbound_emails").where({ id: row.id }).first()).sent_at instanceof Date, true);

    const signInBefore = await api.post("/api/v1/auth/password/sign-in", { email, password: "correct horse battery staple" });
    assert.equal(signInBefore.status, 403);
    const verified = await api.post("/api/v1/auth/email/verify", { token: decodeURIComponent(link[1]!) });
    assert.ok(verified.status < 300, JSON.stringify(verified.body));
    const signIn = await api.post("/api/v1/auth/password/sign-in", { email, password: "correct horse battery staple" });
    assert.equal(signIn.status, 201, JSON.stringify(signIn.body));
  });

  it("a retried or repeated job sends nothing twice; a failed send is retried", async () => {
    const row = await register(`retry-${Date.now()}@example.test`);
    const files = fileTransport(dir);
    let calls = 0;
    const flaky: MailTransport = {
      kind: "file",
      send: async (m) => {
        if (++calls === 1) throw new Error("connection reset by the SMTP server");
        await files.send(m);
      },
      close: () => {},
    };
    await assert.rejects(deliverEmail(db, flaky, settings, row.id), /connection reset/);
    assert.equal((await db("outbound_emails").where({ id: row.id }).first()).sent_at, null, "a failed send leaves the mail unsent");
    assert.deepEqual(readdirSync(dir), []);

    assert.equal(await deliverEmail(db, flaky, settings, row.id), "sent");
    const { sent_at: sentAt } = await db("outbound_emails").where({ id: row.id }).first();
    // the queued job, a duplicate job and a direct retry after success: none sends again
    await db.raw("select graphile_worker.add_job('send_email', json_build_object('emailId', ?::text))", [row.id]);
    await runMailJobsOnce({ connectionString: url, db, transport: flaky, settings });
    assert.equal(await deliverEmail(db, flaky, settings, row.id), "already_sent");
    assert.equal(calls, 2);
    assert.deepEqual(readdirSync(dir), [`${row.id}.eml`]);
    assert.deepEqual((await db("outbound_emails").where({ id: row.id }).first()).sent_at, sentAt);
  });

  it("production refuses the file transport unless MAIL_DIR asks for it", () => {
    const smtpProblems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig({ NODE_ENV: "production", ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems.filter((p) => p.startsWith("SMTP_URL"));
      }
    };
    assert.equal(smtpProblems({}).length, 1);
    assert.deepEqual(smtpProblems({ SMTP_URL: "smtps://user:pass@mail.example:465" }), []);
    assert.deepEqual(smtpProblems({ MAIL_DIR: "/var/spool/festival-mail" }), []);
    assert.match(smtpProblems({ SMTP_URL: "https://mail.example" })[0]!, /smtp:\/\/ or smtps:\/\//);
  });
});
