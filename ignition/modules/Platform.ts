import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The on-chain platform: the EventTicket and RevenueSplit implementations (never used directly; events are
 * EIP-1167 clones of them) and the EventFactory that creates events.
 *
 * Parameters (module "Platform"), all optional:
 * - admin: the factory's default admin (default: the deploying account)
 * - adminDelay: seconds a default-admin transfer must wait (AccessControlDefaultAdminRules; default 0)
 * - platformFeeRecipient: receives the platform fee in every new event's split (default: the deploying account)
 * - platformFeeBps: the platform fee, in basis points, at most 1,000 (default 250 = 2.5 %)
 */
export default buildModule("Platform", (m) => {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const adminDelay = m.getParameter("adminDelay", 0);
  const platformFeeRecipient = m.getParameter("platformFeeRecipient", deployer);
  const platformFeeBps = m.getParameter("platformFeeBps", 250);

  const ticketImplementation = m.contract("EventTicket");
  const splitImplementation = m.contract("RevenueSplit");
  const factory = m.contract("EventFactory", [ticketImplementation, splitImplementation, admin, adminDelay, platformFeeRecipient, platformFeeBps]);

  return { factory, ticketImplementation, splitImplementation };
});
