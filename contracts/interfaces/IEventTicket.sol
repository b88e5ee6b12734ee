// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IEventTicket
 * @notice One event's tickets: an ERC-721 whose tokens are sold in tiers, checked in at the gate,
 * resold under the organizer's cap, refunded if the event is cancelled and whose revenue is settled
 * into the event's {IRevenueSplit}.
 *
 * Token ids encode their tier: `tokenId = tierId * TIER_ID_BASE + serial`, serial counting from 1 within
 * the tier (tier 2's third ticket is 2_000_003). Tier ids count from 1. The ERC-721 `Transfer` event is
 * the source of ownership; mints and burns (refunds) are `Transfer`s from / to the zero address.
 * `address(0)` as a currency means ETH.
 */
interface IEventTicket {
    // ---------------------------------------------------------------- types

    /// @notice How tickets may change hands.
    /// `Free`: ERC-721 transfers allowed (for tiers marked transferable) and the built-in resale too.
    /// `ResaleOnly`: only through {buyResale}, at most face value plus the resale cap.
    /// `Soulbound`: no transfers and no resale.
    enum TransferPolicy {
        Free,
        ResaleOnly,
        Soulbound
    }

    /// @notice Event-level settings, given at creation.
    struct EventConfig {
        string name; // ERC-721 name
        string symbol; // ERC-721 symbol
        string baseURI; // tokenURI = baseURI + tokenId
        string contractURI; // ERC-7572 contract metadata
        uint40 startsAt; // unix seconds
        uint40 endsAt; // unix seconds, > startsAt
        uint32 refundWindow; // seconds after endsAt during which the admin may still cancel; settlement opens after it
        TransferPolicy transferPolicy;
        uint16 resaleCapBps; // resale price <= face value * (10_000 + resaleCapBps) / 10_000
        uint16 royaltyBps; // share of a resale price (and ERC-2981 royalty) kept as event revenue, <= 10_000
    }

    /// @notice A tier as given by the organizer. Names are labels: emitted, not stored.
    struct TierConfig {
        string name; // "STANDARD", "VIP", ...
        uint96 price; // face value per ticket, in `currency` units
        address currency; // address(0) = ETH, else an ERC-20
        uint32 supply; // tickets in the tier (sales + comps), < TIER_ID_BASE
        uint16 maxPerBuyer; // max tickets a wallet may buy (pay for) in this tier, whoever receives them; 0 = no limit
        uint40 saleStart; // unix seconds, inclusive
        uint40 saleEnd; // unix seconds, exclusive; at most the event's endsAt
        bool transferable; // may tickets of this tier change hands at all
    }

    /// @notice A tier as stored.
    struct Tier {
        uint96 price;
        address currency;
        uint32 supply;
        uint32 minted; // sold + comped
        uint16 maxPerBuyer;
        uint40 saleStart;
        uint40 saleEnd;
        bool transferable;
        bool priceLocked; // true after the first sale: price and currency can no longer change
    }

    // ---------------------------------------------------------------- events

    /// @notice A tier was added. Carries every field of the tier.
    event TierCreated(
        uint256 indexed tierId,
        string name,
        uint256 price,
        address indexed currency,
        uint256 supply,
        uint256 maxPerBuyer,
        uint256 saleStart,
        uint256 saleEnd,
        bool transferable
    );

    /// @notice A tier was changed. Carries every field of the tier (the new values).
    event TierUpdated(
        uint256 indexed tierId,
        string name,
        uint256 price,
        address indexed currency,
        uint256 supply,
        uint256 maxPerBuyer,
        uint256 saleStart,
        uint256 saleEnd,
        bool transferable
    );

    /// @notice `quantity` tickets `firstTokenId .. firstTokenId + quantity - 1` were sold to `to`, paid by `buyer`.
    event TicketPurchased(
        address indexed buyer,
        address indexed to,
        uint256 indexed tierId,
        uint256 firstTokenId,
        uint256 quantity,
        uint256 unitPrice,
        address currency
    );

    /// @notice Comp tickets `firstTokenId ..` were granted, one to each of `recipients` in order. Face value 0.
    event CompsGranted(uint256 indexed tierId, address indexed operator, uint256 firstTokenId, address[] recipients);

    /// @notice Comp `tokenId` was burned by its holder `by` (a ticket paid off-chain and refunded there).
    event CompVoided(uint256 indexed tokenId, address indexed by);

    /// @notice A ticket was checked in at the gate.
    event CheckedIn(uint256 indexed tokenId, address indexed scanner);

    /// @notice A ticket was listed for resale. Replaces any earlier listing of the token. `royalty` is what a sale at
    /// `price` keeps as revenue: the royalty in force now, fixed for this listing.
    event ResaleListed(uint256 indexed tokenId, address indexed seller, uint256 price, uint256 royalty, address currency);

    /// @notice A listing ended without a sale: cancelled by the seller, or voided because the token moved.
    event ResaleCancelled(uint256 indexed tokenId, address indexed seller);

    /// @notice A listed ticket was bought. `royalty` stays in the event as revenue; the seller got `price - royalty`.
    event ResaleCompleted(
        uint256 indexed tokenId,
        address indexed seller,
        address indexed buyer,
        uint256 price,
        uint256 royalty,
        address currency
    );

    /// @notice The sale of `firstTokenId ..` (the {TicketPurchased} right after) credited `amount` of `currency` to
    /// `referrer`: the tier's referral share of the price, claimable from the split after settlement
    /// ({IRevenueSplit-claimReferral}).
    event ReferralCredited(
        address indexed referrer, uint256 indexed tierId, uint256 firstTokenId, uint256 amount, address currency
    );

    /// @notice The admin cancelled the event: sales stop and holders may claim refunds.
    event EventCancelled(address indexed by);

    /// @notice The holder of `tokenId` was refunded its face value, paid to `to`; the token was burned.
    event RefundClaimed(uint256 indexed tokenId, address indexed holder, uint256 amount, address currency, address to);

    /// @notice `amount` of `currency` held by the event was moved to the revenue split.
    event Settled(address indexed currency, uint256 amount, address indexed split);

    /// @notice The event's schedule changed (postponement or extension).
    event ScheduleSet(uint256 startsAt, uint256 endsAt, uint256 refundWindow);

    /// @notice The transfer policy changed.
    event TransferPolicySet(TransferPolicy policy);

    /// @notice The resale cap and royalty changed.
    event ResaleTermsSet(uint256 resaleCapBps, uint256 royaltyBps);

    /// @notice The base token URI changed.
    event BaseURISet(string baseURI);

    /// @notice The contract URI changed (carries the value; {ContractURIUpdated} is the ERC-7572 signal).
    event ContractURISet(string contractURI);

    /// @notice ERC-7572: the contract-level metadata changed.
    event ContractURIUpdated();

    // ---------------------------------------------------------------- errors

    /// @dev `tierId` does not exist.
    error EventTicketUnknownTier(uint256 tierId);
    /// @dev Supply is zero, at least TIER_ID_BASE, or below what is already minted.
    error EventTicketInvalidSupply(uint256 supply, uint256 minted);
    /// @dev saleEnd is not after saleStart, or after the event's end.
    error EventTicketInvalidSaleWindow(uint256 saleStart, uint256 saleEnd);
    /// @dev An ERC-20 currency that is not a contract.
    error EventTicketInvalidCurrency(address currency);
    /// @dev A tier's price or currency cannot change after its first sale.
    error EventTicketPriceLocked(uint256 tierId);
    /// @dev Too many tiers.
    error EventTicketTooManyTiers(uint256 max);
    /// @dev endsAt is not after startsAt.
    error EventTicketInvalidSchedule(uint256 startsAt, uint256 endsAt);
    /// @dev A schedule may only move later: startsAt, endsAt and refundWindow at least the current ones (given).
    error EventTicketScheduleNotPostponed(uint256 startsAt, uint256 endsAt, uint256 refundWindow);
    /// @dev A refund paid to the zero address.
    error EventTicketInvalidReceiver(address receiver);
    /// @dev A basis-point value above its maximum.
    error EventTicketInvalidBps(uint256 bps, uint256 max);
    /// @dev Outside the tier's sale window.
    error EventTicketSaleNotActive(uint256 tierId, uint256 saleStart, uint256 saleEnd);
    /// @dev Not enough tickets left in the tier.
    error EventTicketSoldOut(uint256 tierId, uint256 available);
    /// @dev The buyer (the paying account) would buy more than the tier's per-buyer limit.
    error EventTicketBuyerLimitExceeded(uint256 tierId, address buyer, uint256 limit);
    /// @dev Quantity (or recipient count) is zero.
    error EventTicketInvalidQuantity(uint256 quantity);
    /// @dev The ETH sent differs from the exact price (or ETH was sent for an ERC-20 price).
    error EventTicketIncorrectPayment(uint256 expected, uint256 paid);
    /// @dev An ERC-20 delivered a different amount than was transferred (fee-on-transfer tokens are refused).
    error EventTicketTransferAmountMismatch(address token, uint256 expected, uint256 received);
    /// @dev The event is cancelled.
    error EventTicketEventIsCancelled();
    /// @dev Refunds need a cancelled event.
    error EventTicketEventNotCancelled();
    /// @dev Revenue was already settled: the event can no longer be cancelled or rescheduled.
    error EventTicketAlreadySettled();
    /// @dev Cancellation is possible only until the refund window closes (event end plus refund window).
    error EventTicketRefundWindowClosed(uint256 closedAt);
    /// @dev Settlement opens at `opensAt` (event end plus refund window).
    error EventTicketSettlementNotOpen(uint256 opensAt);
    /// @dev The event holds nothing of `currency`.
    error EventTicketNothingToSettle(address currency);
    /// @dev The event has ended.
    error EventTicketEventEnded();
    /// @dev The ticket is already checked in.
    error EventTicketAlreadyCheckedIn(uint256 tokenId);
    /// @dev A checked-in ticket cannot change hands before the event ends.
    error EventTicketCheckedInLocked(uint256 tokenId);
    /// @dev The transfer policy or the tier forbids this transfer.
    error EventTicketTransferNotAllowed(uint256 tokenId, TransferPolicy policy);
    /// @dev The transfer policy or the tier forbids resale of this token.
    error EventTicketResaleNotAllowed(uint256 tokenId);
    /// @dev A resale price above face value plus the cap (at listing, and at purchase under the cap then in force).
    error EventTicketResalePriceTooHigh(uint256 tokenId, uint256 price, uint256 maxPrice);
    /// @dev The token is not listed (or its listing is void).
    error EventTicketNotListed(uint256 tokenId);
    /// @dev The buyer's expected price differs from the listing (front-running guard).
    error EventTicketResalePriceMismatch(uint256 tokenId, uint256 listedPrice, uint256 offeredPrice);
    /// @dev Comp tickets have no face value to refund.
    error EventTicketNothingToRefund(uint256 tokenId);
    /// @dev The referrer of a sale is its buyer (the paying account) or the receiver of the tickets.
    error EventTicketSelfReferral(address referrer);
    /// @dev Only the event's split sets referral shares (it holds the rule they follow).
    error EventTicketOnlySplit(address caller);
    /// @dev Only a comp can be voided.
    error EventTicketNotComp(uint256 tokenId);

    // ---------------------------------------------------------------- setup (factory / admin)

    /// @notice Initialises a fresh clone. Called once by the factory in the clone's creation transaction.
    /// The split's address is the clone's immutable argument (see {split}).
    /// @param admin the event's default admin (the organizer)
    function initialize(address admin, EventConfig calldata config, TierConfig[] calldata tiers) external;

    /// @notice Adds a tier. Default admin only. Emits {TierCreated}.
    function addTier(TierConfig calldata tier) external returns (uint256 tierId);

    /// @notice Changes a tier; price and currency are fixed after its first sale. Default admin only. Emits {TierUpdated}.
    function updateTier(uint256 tierId, TierConfig calldata tier) external;

    /// @notice Moves the event later (postponement) or makes it longer. Default admin only; not once the event has
    /// ended, is settled or cancelled. startsAt, endsAt and refundWindow can only grow, so settlement and the end of
    /// the check-in transfer lock never come earlier than promised (a wrongly dated event is created again).
    function setSchedule(uint40 startsAt, uint40 endsAt, uint32 refundWindow) external;

    /// @notice Sets the transfer policy. Default admin only.
    function setTransferPolicy(TransferPolicy policy) external;

    /// @notice Sets the resale cap (bps above face value) and the resale royalty (bps of the price). Default admin only.
    /// Existing listings keep the royalty they were listed with; the cap applies to every purchase from now on.
    function setResaleTerms(uint16 resaleCapBps, uint16 royaltyBps) external;

    /// @notice Sets the base token URI. Default admin only.
    function setBaseURI(string calldata baseURI) external;

    /// @notice Sets the ERC-7572 contract URI. Default admin only.
    function setContractURI(string calldata contractURI) external;

    /// @notice Pauses purchases, comps, transfers, resale and settlement. Refunds of a cancelled event are never paused.
    /// Default admin only.
    function pause() external;

    /// @notice Lifts the pause. Default admin only.
    function unpause() external;

    // ---------------------------------------------------------------- sales

    /// @notice Buys `quantity` tickets of `tierId` for `to`, paying exactly `price * quantity`
    /// (ETH as msg.value, or the tier's ERC-20 pulled from the caller, who must have approved it). The per-buyer
    /// limit counts the caller's purchases, whoever receives the tickets.
    /// @return firstTokenId the first of the `quantity` consecutive token ids minted
    function purchase(uint256 tierId, uint256 quantity, address to) external payable returns (uint256 firstTokenId);

    /// @notice {purchase} through a referrer: the tier's referral share of the price (see {IRevenueSplit-setReferralShare}) is
    /// credited to `referrer` (one storage write, no loop), who claims it from the split after settlement
    /// ({IRevenueSplit-claimReferral}). `referrer` zero means none; the buyer (caller) and `to` cannot be the referrer.
    /// Emits {ReferralCredited} (before {TicketPurchased}) when the credit is not zero.
    /// @return firstTokenId the first of the `quantity` consecutive token ids minted
    function purchaseWithReferrer(uint256 tierId, uint256 quantity, address to, address referrer)
        external
        payable
        returns (uint256 firstTokenId);

    /// @notice Sets the basis points of `tierId`'s price credited to the referrer of each later sale. Only the event's
    /// split calls it, from {IRevenueSplit-setReferralShare}, which checks the share against its cap and the 100 % rule.
    function setReferralShare(uint256 tierId, uint256 shareBps) external;

    /// @notice What `referrer` was credited in `currency` by the sales it brought, and the credits of all sales in
    /// `currency` (both 0 once the event is cancelled: its sales are refundable).
    function referral(address referrer, address currency) external view returns (uint256 credit, uint256 total);

    /// @notice Grants one comp ticket of `tierId` to each recipient, without payment. MINTER_ROLE only.
    /// @return firstTokenId the first of the consecutive token ids minted
    function grantComps(uint256 tierId, address[] calldata recipients) external returns (uint256 firstTokenId);

    /// @notice Burns comp `tokenId`, by its holder only: a ticket paid off-chain (by card) and
    /// refunded off-chain, so it can never enter nor be resold. Only comps: a sold ticket's face value is owed back
    /// on-chain if the event is cancelled, so it leaves only through {claimRefunds}. Not pausable (it moves no value).
    function voidComp(uint256 tokenId) external;

    // ---------------------------------------------------------------- gate

    /// @notice Marks tickets as checked in. SCANNER_ROLE only; before the event ends, not when cancelled.
    function checkIn(uint256[] calldata tokenIds) external;

    /// @notice Whether `tokenId` was checked in.
    function isCheckedIn(uint256 tokenId) external view returns (bool);

    // ---------------------------------------------------------------- resale

    /// @notice Lists the caller's ticket for resale at `price` (tier currency), at most {maxResalePrice} (and below
    /// 2^80). The royalty in force now is fixed for this listing.
    function listForResale(uint256 tokenId, uint256 price) external;

    /// @notice Withdraws the caller's listing.
    function cancelResale(uint256 tokenId) external;

    /// @notice Buys a listed ticket at its listed `price` (the buyer's guard against a changed listing), if the price
    /// is within the cap in force; the listing's royalty stays in the event, the rest goes to the seller.
    function buyResale(uint256 tokenId, uint256 price) external payable;

    /// @notice The current listing of `tokenId` (seller zero if none) and the royalty a sale keeps.
    function listing(uint256 tokenId) external view returns (address seller, uint256 price, uint256 royalty);

    /// @notice The highest resale price allowed for `tokenId`: its face value (0 for a comp) plus the cap.
    function maxResalePrice(uint256 tokenId) external view returns (uint256);

    // ---------------------------------------------------------------- cancellation, refunds, settlement

    /// @notice Cancels the event. Default admin only, before any settlement.
    function cancelEvent() external;

    /// @notice Refunds the face value of each of the caller's tickets in a cancelled event to `to` (the caller, or an
    /// address of its choice if it cannot receive) and burns them. Not pausable.
    /// @return total the sum refunded (tokens of different currencies are summed as numbers; see the events)
    function claimRefunds(uint256[] calldata tokenIds, address to) external returns (uint256 total);

    /// @notice The refund owed for `tokenId` if the event is cancelled: its tier price, or 0 for a comp (deliberate:
    /// a comp was free, and its resale price is capped at 0 so no buyer of one can lose money).
    function refundAmount(uint256 tokenId) external view returns (uint256 amount, address currency);

    /// @notice Moves everything the event holds in `currency` to the split. Anyone, once the refund window has passed;
    /// in a cancelled event at any time, and only what it holds beyond the face values it still owes as refunds
    /// (resale and outside royalties).
    function settle(address currency) external returns (uint256 amount);

    // ---------------------------------------------------------------- views

    /// @notice The event's revenue split, where settlement sends the revenue.
    function split() external view returns (address);

    function tier(uint256 tierId) external view returns (Tier memory);

    function tierCount() external view returns (uint256);

    /// @notice The tier of `tokenId` (reverts for tokens that were never minted).
    function tierOf(uint256 tokenId) external view returns (uint256);

    function isComp(uint256 tokenId) external view returns (bool);

    /// @notice How many tickets of `tierId` `account` bought (paid for; counts towards maxPerBuyer).
    function purchasedBy(uint256 tierId, address account) external view returns (uint256);

    function schedule() external view returns (uint40 startsAt, uint40 endsAt, uint32 refundWindow);

    function transferPolicy() external view returns (TransferPolicy);

    function resaleTerms() external view returns (uint16 resaleCapBps, uint16 royaltyBps);

    function cancelled() external view returns (bool);

    function settled() external view returns (bool);

    function contractURI() external view returns (string memory);
}
