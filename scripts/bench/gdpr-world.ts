import { randomBytes } from "node:crypto";
import type { Knex } from "knex";
import { newId } from "../../lib/ids.js";
import { recordAudit, systemAuditContext } from "../../backend/src/modules/audit/service.js";
import type { DataBox } from "../../backend/src/security/encryption.js";

/**
 * One person with data in every module the bench and the erasure tests look at: an account
 * with a wallet and a tax id, sessions, organization membership, N festivals each with an
 * edition, a wristband and its ledger, tickets on-chain for the wallet, gate scans, consent,
 * mails to them and a mail to someone else that names them, notifications, audit rows that
 * carry their email and name. Names and emails are unique per call, so the leftover scan
 * finds only this person.
 */
export interface PersonWorld {
  userId: string;
  email: string;
  name: string;
  taxId: string;
  address: string;
  editionIds: string[];
  /** Another user who must be left alone. */
  bystander: { userId: string; email: string; name: string };
}

const CHAIN_ID = 31337;
const TAX_ID = "organizer_profiles.tax_id";
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

async function chunked<T>(db: Knex, table: string, rows: T[], size = 1000): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await db(table).insert(rows.slice(i, i + size));
}

export async function seedPersonWorld(
  db: Knex,
  box: DataBox,
  opts: { festivals: number; tickets: number; ledgerRows: number; auditRows: number },
): Promise<PersonWorld> {
  const tag = hex(4);
  const userId = newId();
  const email = `zelda.quill.${tag}@example.test`;
  const name = `Zelda Quill ${tag}`;
  const taxId = `NL${tag.toUpperCase()}B01`;
  const address = `0x${hex(20)}`;
  const bystander = { userId: newId(), email: `bystander.${tag}@example.test`, name: `Bystander ${tag}` };

  await db("users").insert([
    { id: userId, email, display_name: name, bio: `Hi, I am ${name}`, email_verified_at: new Date() },
    { id: bystander.userId, email: bystander.email, display_name: bystander.name, email_verified_at: new Date() },
  ]);
  await db("wallets").insert({ id: newId(), user_id: userId, network: "evm", address, is_primary: true, verified_at: new Date() });
  await db("organizer_profiles").insert({
    id: newId(),
    user_id: userId,
    company_name: `${name} Events`,
    tax_id_encrypted: box.encrypt(taxId, TAX_ID),
    verification_status: "pending",
  });
  const sessionId = newId();
  await db("auth_sessions").insert({
    id: sessionId,
    user_id: userId,
    method: "test",
    ip: "203.0.113.7",
    user_agent: "Mozilla/5.0 (Zelda)",
    expires_at: new Date(Date.now() + 3600_000),
  });
  await db("refresh_tokens").insert({ id: newId(), session_id: sessionId, token_hash: hex(32), expires_at: new Date(Date.now() + 3600_000) });
  await db("consent_records").insert({
    id: newId(),
    user_id: userId,
    purpose: "MARKETING",
    granted: true,
    policy_version: "2026-01",
    channel: "web",
    ip: "203.0.113.7",
    user_agent: "Mozilla/5.0 (Zelda)",
  });

  const organizationId = newId();
  await db("organizations").insert({ id: organizationId, name: `Org ${tag}`, slug: `org-${tag}` });
  await db("organization_members").insert({ id: newId(), organization_id: organizationId, user_id: userId, role: "owner" });

  // festivals, an edition each, a wristband each with its share of the ledger rows
  const editionIds: string[] = [];
  const perEdition = Math.ceil(opts.ledgerRows / Math.max(1, opts.festivals));
  let ledgerLeft = opts.ledgerRows;
  for (let f = 0; f < opts.festivals; f++) {
    const festivalId = newId();
    const editionId = newId();
    editionIds.push(editionId);
    await db("festivals").insert({ id: festivalId, organization_id: organizationId, name: `Fest ${tag} ${f}`, slug: `fest-${tag}-${f}` });
    await db("editions").insert({
      id: editionId,
      festival_id: festivalId,
      name: "Edition",
      slug: `ed-${tag}-${f}`,
      starts_at: new Date(Date.now() - 86_400_000),
      ends_at: new Date(Date.now() + 86_400_000),
      timezone: "Europe/Amsterdam",
      status: "published",
    });
    await db("cashless_edition_settings").insert({
      edition_id: editionId,
      currency: "EUR",
      balance_cap: 100_000_000,
      offline_allowance: 0,
      topup_min: 1,
      topup_max: 100_000_000,
      commission_bps: 0,
    });
    const band = newId();
    const account = newId();
    await db("ledger_accounts").insert({
      id: account,
      edition_id: editionId,
      kind: "fan",
      owner_id: band,
      currency: "EUR",
      min_balance: 0,
      max_balance: 100_000_000,
    });
    await db("wristbands").insert({ id: band, edition_id: editionId, tag_id: `04${hex(6)}`.toUpperCase(), account_id: account, user_id: userId });
    const desk = (await db.raw("select ledger_account_for(?, 'topup_card', ?, 0::smallint, 'EUR') as id", [editionId, newId()])).rows[0].id;
    const n = Math.min(perEdition, ledgerLeft);
    ledgerLeft -= n;
    await chunked(
      db,
      "ledger_transfers",
      Array.from({ length: n }, () => ({
        id: newId(),
        edition_id: editionId,
        type: "TOPUP",
        from_account_id: desk,
        to_account_id: account,
        amount: 1,
        currency: "EUR",
        method: "card",
        wristband_id: band,
        from_balance_before: 0,
        from_balance_after: 0,
        to_balance_before: 0,
        to_balance_after: 0,
      })),
      250,
    );
  }

  // festival access, API keys, push devices, staff work, a personal schedule, an act on the line-up
  const firstEdition = editionIds[0];
  const firstFestival = firstEdition ? (await db("editions").where("id", firstEdition).first("festival_id")).festival_id : undefined;
  await db("api_keys").insert({
    id: newId(),
    user_id: userId,
    name: `${name}'s key`,
    prefix: hex(6),
    key_hash: hex(32),
    scopes: ["profile:read"],
    rate_limit_per_minute: 60,
  });
  await db("device_tokens").insert({ id: newId(), user_id: userId, platform: "ios", token: hex(32) });
  await db("idempotency_keys").insert({
    id: newId(),
    principal: `user:${userId}`,
    key: hex(8),
    method: "POST",
    path: "/api/v1/me/wallets",
    request_hash: hex(32),
    state: "completed",
    response_status: 201,
    response_body: { owner: email },
    expires_at: new Date(Date.now() + 86_400_000),
  });
  if (firstEdition && firstFestival) {
    await db("festival_invitations").insert({
      id: newId(),
      festival_id: firstFestival,
      email,
      level: "viewer",
      scope: "all",
      token_hash: hex(32),
      expires_at: new Date(Date.now() + 86_400_000),
    });
    await db("festival_permissions").insert({ id: newId(), festival_id: firstFestival, user_id: userId, level: "manager", scope: "schedule" });
    const department = newId();
    const role = newId();
    await db("staff_departments").insert({ id: department, edition_id: firstEdition, name: `Bar ${tag}` });
    await db("staff_roles").insert({ id: role, edition_id: firstEdition, department_id: department, name: `Bartender ${tag}` });
    await db("staff_members").insert({
      id: newId(),
      edition_id: firstEdition,
      user_id: userId,
      role_id: role,
      department_id: department,
      badge_number: `B-${tag}`,
    });
    await db("personal_schedules").insert({ id: newId(), user_id: userId, edition_id: firstEdition });
    await db("cashless_cashiers").insert({ id: newId(), edition_id: firstEdition, user_id: userId });
    // joined a sold-out event's waitlist without signing in: found by email
    const eventId = newId();
    await db("events").insert({
      id: eventId,
      festival_id: firstFestival,
      edition_id: firstEdition,
      name: "Sold out",
      slug: `sold-out-${tag}`,
      status: "published",
      capacity: 1,
    });
    await db("waitlist_entries").insert({ id: newId(), event_id: eventId, email });
    await db("artists").insert({ id: newId(), festival_id: firstFestival, user_id: userId, name: `The ${tag} Band`, bio: `Fronted by ${name}` });
  }

  // tickets on-chain for the wallet, a gate scan for some
  const contract = `0x${hex(20)}`;
  await chunked(
    db,
    "chain_tickets",
    Array.from({ length: opts.tickets }, (_, i) => ({
      chain_id: CHAIN_ID,
      contract_address: contract,
      token_id: String(1_000_000 + i),
      tier_id: 1,
      owner_address: address,
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
    })),
  );

  // mail and notifications
  await db("outbound_emails").insert([
    { id: newId(), to_address: email, template: "verify_email", subject: "Verify your address", body: `Hello ${name}`, data: {} },
    {
      id: newId(),
      to_address: bystander.email,
      template: "festival_invitation",
      subject: "An invitation",
      body: `${name} (${email}) invited you`,
      data: { inviter: name },
    },
  ]);
  await db("notification_log").insert({
    id: newId(),
    user_id: userId,
    kind: "shift_reminder",
    channel: "none",
    title: `Hi ${name}`,
    body: "Your shift starts soon",
    data: { email },
    status: "no_device",
    reference: `bench:${tag}`,
  });

  // audit rows about the person, some carrying their email and name in the values
  const ctx = { ...systemAuditContext(), actorType: "user" as const, actorUserId: userId, ip: "203.0.113.7", userAgent: "Mozilla/5.0 (Zelda)" };
  await db.transaction(async (trx) => {
    for (let i = 0; i < opts.auditRows; i++) {
      await recordAudit(trx, ctx, {
        action: "user.updated",
        entityType: "user",
        entityId: userId,
        before: { display_name: "old" },
        after: i % 2 ? { email, display_name: name } : { bio: `Hi, I am ${name}` },
      });
    }
    // a row by someone else that mentions the person
    await recordAudit(
      trx,
      { ...systemAuditContext(), actorType: "user", actorUserId: bystander.userId },
      { action: "festival_invitation.created", entityType: "festival_invitation", entityId: newId(), after: { email } },
    );
  });
  return { userId, email, name, taxId, address, editionIds, bystander };
}
