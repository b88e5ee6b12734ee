// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IRevenueSplit
 * @notice Pull-payment split of one event's revenue, per currency (`address(0)` = ETH).
 *
 * Rule, applied to the cumulative amount received in a currency:
 *  1. the platform fee (its basis points of everything received) comes off the top, before anything else, so no
 *     fixed amount can leave the platform less than its fee;
 *  2. fixed amounts are paid next, in payee order (a payee's fixed amount is in its `fixedToken` only);
 *  3. the remainder is shared in proportion to the other payees' basis points out of the 10_000 minus the
 *     platform's (so without fixed amounts each payee gets exactly its bps of everything received);
 *  4. unallocated basis points go to the organizer, rounded up.
 * Entitlements are computed lazily at claim time from cumulative totals: money arriving never loops over payees.
 * Per-payee rounding (< 1 unit per bps payee) is the only thing not allocated ("dust"), so that
 * claimed + claimable + dust == received holds for every currency at every moment, with 0 <= dust < payee count.
 * The payee list (managed by the organizer) can change until the first deposit, then it is locked for good
 * ({PayeesLocked}). The list itself lives in the {PayeesSet} event; storage keeps only per-account records.
 */
interface IRevenueSplit {
    /// @notice One payee. `fixedAmount` (in `fixedToken`) is paid after the platform fee and before the bps shares;
    /// `shareBps` counts in the sharing of the remainder (see the rule above).
    struct Payee {
        address account;
        uint16 shareBps;
        uint96 fixedAmount;
        address fixedToken; // currency of fixedAmount (address(0) = ETH); ignored when fixedAmount is 0
    }

    /// @notice The organizer's payees, in order, replacing any earlier list. The platform fee payee (EventCreated's
    /// platformFeeRecipient and platformFeeBps) is not in it and never changes; `totalShareBps` includes its share.
    event PayeesSet(Payee[] payees, uint256 totalShareBps);

    /// @notice The payee list is final (emitted with the first deposit).
    event PayeesLocked();

    /// @notice `amount` of `token` arrived and was recorded: a settlement or any deposit (`from` its caller), or money
    /// that came without a deposit call, recorded by {sync} (`from` is address(0)).
    event Deposited(address indexed token, address indexed from, uint256 amount);

    /// @notice `amount` of `token` owed to `payee` was paid to `to` (the payee itself unless it chose another
    /// address with {claimTo}).
    event Claimed(address indexed payee, address indexed token, uint256 amount, address to);

    /// @notice `amount` of `token` credited to `referrer` by the ticket's sales was paid to it ({claimReferral}).
    event ReferralClaimed(address indexed referrer, address indexed token, uint256 amount);

    /// @notice The organizer set `tierId`'s referral share: basis points of the price of each later sale through a
    /// referrer credited to it ({IEventTicket-purchaseWithReferrer}).
    event ReferralShareSet(uint256 indexed tierId, uint256 shareBps);

    /// @notice `payee`'s fixed amount is paid on performance: claimable once the performance is confirmed
    /// ({confirmPerformance}), released back to the split if it is cancelled ({cancelPerformance}).
    event PerformanceRequired(address indexed payee);

    /// @notice The organizer named `confirmer` (e.g. the platform's back office) as who may confirm or cancel performances.
    event PerformanceConfirmerSet(address indexed confirmer);

    /// @notice `payee` performed (confirmed by `by`): its fixed amount is claimable as it is covered.
    event PerformanceConfirmed(address indexed payee, address indexed by);

    /// @notice `payee`'s performance was cancelled (by `by`): what its fixed `amount` of `token` fills of the fixed
    /// waterfall goes back to the split's remainder, shared by the payees' bps and the organizer.
    event PerformanceCancelled(address indexed payee, address indexed token, uint256 amount, address indexed by);

    /// @dev `payee` has no fixed amount in the current list, so there is nothing to pay on performance.
    error RevenueSplitNoFixedAmount(address payee);
    /// @dev `payee`'s performance is not pending (never required, already confirmed or cancelled).
    error RevenueSplitPerformanceNotPending(address payee);

    /// @dev Only the organizer may do this (setPayees), or only the ticket contract before the list is locked (deposits).
    error RevenueSplitUnauthorized(address account);
    /// @dev The payee list is locked.
    error RevenueSplitPayeesAreLocked();
    /// @dev A payee with a zero address, or with neither a share nor a fixed amount.
    error RevenueSplitInvalidPayee(address account);
    /// @dev The same account twice in the list.
    error RevenueSplitDuplicatePayee(address account);
    /// @dev Shares add up to more than 100 % (in {setPayees}, with the ticket's highest referral share).
    error RevenueSplitSharesExceeded(uint256 totalShareBps);
    /// @dev More payees than MAX_PAYEES.
    error RevenueSplitTooManyPayees(uint256 count, uint256 max);
    /// @dev `payee` has nothing to claim in `token`.
    error RevenueSplitNothingToClaim(address payee, address token);
    /// @dev ETH sent differs from `amount` (or ETH sent with an ERC-20 deposit).
    error RevenueSplitIncorrectPayment(uint256 expected, uint256 paid);
    /// @dev A zero deposit (or an ERC-20 deposit of which nothing arrived).
    error RevenueSplitZeroAmount();
    /// @dev Nothing is recorded before the payee list is locked (see {sync}).
    error RevenueSplitPayeesNotLocked();
    /// @dev A claim paid to the zero address.
    error RevenueSplitInvalidReceiver(address receiver);
    /// @dev A tier's referral share above the cap (MAX_REFERRAL_BPS).
    error RevenueSplitReferralShareAboveCap(uint256 tierId, uint256 shareBps, uint256 cap);
    /// @dev A referral share that, with the payee shares (the platform fee included), makes more than 100 %.
    error RevenueSplitReferralSharesExceeded(uint256 tierId, uint256 totalBps);

    /// @notice Initialises a fresh clone. Called once by the factory.
    /// @param organizer manages the payees and receives unallocated basis points
    /// @param platform the platform fee recipient, payee 0 when `platformFeeBps` > 0 (kept by {setPayees})
    /// @param payees the organizer's payees, after the platform payee
    function initialize(address organizer, address platform, uint16 platformFeeBps, Payee[] calldata payees)
        external;

    /// @notice Replaces the organizer's payees (the platform payee stays). Organizer only, until the first deposit. The
    /// shares plus the highest referral share ({maxReferralShareBps}) must not exceed 100 %.
    function setPayees(Payee[] calldata payees) external;

    /// @notice Pays `amount` of `token` into the split (ETH: token 0 and msg.value == amount; ERC-20: pulled from the
    /// caller, and what arrives is recorded, net of any transfer fee). Until the payee list is locked only the
    /// event's ticket contract may pay in (its first settlement locks the list); afterwards anyone.
    function deposit(address token, uint256 amount) external payable;

    /// @notice Records what the split holds of `token` beyond what it has recorded less what it has paid: plain ETH
    /// (accepted without running code, so `transfer`'s 2,300-gas stipend suffices) or an ERC-20 sent straight
    /// here. Anyone, once the payee list is locked; every claim runs it first. Emits {Deposited} from address(0).
    /// @return amount what was recorded (0 if nothing new)
    function sync(address token) external returns (uint256 amount);

    /// @notice Pays the caller everything it may claim in `token`.
    function claim(address token) external returns (uint256 amount);

    /// @notice Pays everything the caller may claim in `token` to `to` (for a payee that cannot receive it itself).
    function claimTo(address token, address to) external returns (uint256 amount);

    /// @notice Pays `payee` everything it may claim in `token`. Anyone may call; the money goes to `payee`.
    function claimFor(address payee, address token) external returns (uint256 amount);

    /// @notice Sets the basis points of `tierId`'s price credited to the referrer of each later sale (the ticket applies
    /// it). Organizer only. At most MAX_REFERRAL_BPS, and with all payee shares (the platform fee included) at most
    /// 100 %: referrals are paid out of the organizer's part. Emits {ReferralShareSet}.
    function setReferralShare(uint256 tierId, uint16 shareBps) external;

    /// @notice The referral share of `tierId`, in basis points of the price.
    function referralShareBps(uint256 tierId) external view returns (uint256);

    /// @notice The highest referral share set so far ({setPayees} counts it in the 100 %).
    function maxReferralShareBps() external view returns (uint256);

    /// @notice Pays the caller what it may claim in `token` as a referrer: its referral credits in the ticket
    /// ({IEventTicket-purchaseWithReferrer}), paid out of the organizer's part once the sales are settled. Emits
    /// {ReferralClaimed}.
    function claimReferral(address token) external returns (uint256 amount);

    /// @notice What `account` may claim now in `token` as a referrer (see {claimReferral}).
    function referralClaimable(address account, address token) external view returns (uint256);

    /// @notice What `account` has been paid in `token` as a referrer.
    function referralReleased(address account, address token) external view returns (uint256);

    /// @notice What `account` may claim now in `token` (as payee, organizer or both).
    function claimable(address account, address token) external view returns (uint256);

    /// @notice What `account` has been paid in `token`.
    function released(address account, address token) external view returns (uint256);

    function totalReceived(address token) external view returns (uint256);

    function totalReleased(address token) external view returns (uint256);

    /// @notice `account`'s current payee terms (all zero if it is not a payee).
    function payee(address account) external view returns (Payee memory);

    /// @notice Sum of all payees' shares, the platform's included.
    function totalShareBps() external view returns (uint256);

    function platformShareBps() external view returns (uint256);

    function organizer() external view returns (address);

    /// @notice The event's ticket contract (found through the factory and event id in the clone's immutable arguments).
    function ticket() external view returns (address);

    function locked() external view returns (bool);

    // ---------------------------------------------------------------- paid on performance

    /// @notice Makes `payee`'s fixed amount payable only once its performance is confirmed. Organizer only, before
    /// the list is locked (a payee knows its terms before the first sale settles); again after a replacement.
    function requirePerformance(address payee) external;

    /// @notice Names who may confirm or cancel performances besides the organizer (address(0): the organizer alone).
    function setPerformanceConfirmer(address confirmer) external;

    /// @notice `payee` performed: its fixed amount becomes claimable as the split's receipts cover it. Organizer or
    /// confirmer; the performance must be pending.
    function confirmPerformance(address payee) external;

    /// @notice `payee`'s performance was cancelled: its fixed amount goes back to the split. Organizer or confirmer;
    /// the performance must be pending.
    function cancelPerformance(address payee) external;

    /// @notice 0 not required, 1 pending, 2 confirmed, 3 cancelled (for the current payee list).
    function performanceStatus(address payee) external view returns (uint8);

    function performanceConfirmer() external view returns (address);
}
