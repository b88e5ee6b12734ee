// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {PayableClones} from "./PayableClones.sol";
import {IEventFactory} from "./interfaces/IEventFactory.sol";
import {IRevenueSplit} from "./interfaces/IRevenueSplit.sol";
import {IEventTicket} from "./interfaces/IEventTicket.sol";

/**
 * @title RevenueSplit
 * @notice One event's revenue split (see {IRevenueSplit} for the rule). Used through EIP-1167 clones made by the
 * {EventFactory}; the payee list is managed by the organizer.
 *
 * Everything is computed lazily from per-currency cumulative totals, so a deposit costs the same with 2 payees or
 * 50, and a claim reads only the claimant's own record. For a currency with total received `T`, platform fee `p`
 * bps and the other payees' shares adding up to `S` bps (S <= 10_000 - p):
 *
 *   platform:   fee = floor(T * p / 10_000)                                      (off the top, before anything)
 *   N = T - fee, F = sum of fixed amounts in that currency, R = N - min(N, F)    (remainder after fixed amounts)
 *   payee i:    min(fixed_i, N - min(N, fixedBefore_i))   if fixedToken_i is the currency
 *             + floor(R * shareBps_i / (10_000 - p))
 *   organizer:  O - min(O, Ref)   with O = R - floor(R * S / (10_000 - p))       (unallocated bps, rounded up)
 *   referrer j: floor(credit_j * min(O, Ref) / Ref)    Ref = the ticket's referral credits in that currency
 *
 * So no fixed amount can come before the platform fee, and without fixed amounts everyone gets exactly their bps
 * of `T` (up to rounding). Every term is non-decreasing in `T`, so `claimable = entitled - released` never
 * underflows, and the terms add up to at most `T`: the difference ("dust") is the per-payee rounding, less than
 * one unit per bps payee other than the platform.
 * (Giving that rounding to the organizer as it arises is not possible lazily: it shrinks when `T` grows, so what
 * the organizer had already claimed could exceed its share later. It stays in the contract instead.)
 *
 * Referrals are paid out of the organizer's part. The organizer sets each tier's referral share here
 * ({setReferralShare}, which passes it to the ticket); the ticket records each referrer's credit at sale time and
 * their total `Ref`. As the highest referral share plus all payee shares (platform included) is at most 100 %
 * (checked by {setReferralShare} and {setPayees}), `O >= Ref` once the sales are settled, unless fixed amounts ate
 * into it, and then the referrers share `O` pro rata. Sales end before the first settlement, so `Ref` is final by the time
 * anything is received; a cancelled event's `Ref` is 0 (its sales are refundable).
 *
 * Storage: one slot per payee (shares, fixed amount and the ETH released, so an ETH claim rewrites a slot that is
 * already set) plus one per fixed-amount payee. There is no payee array: the list is in the {PayeesSet} event, and a
 * replacement bumps `generation`, which voids every earlier record without touching it. The platform payee's
 * record is permanent (it survives replacements).
 *
 * The clone's immutable arguments are its factory and event id, from which it finds its ticket contract: until the
 * list is locked only that ticket may pay in (its first settlement locks the list), so nobody can freeze the
 * organizer's payee list with a 1-wei deposit. Afterwards anyone may pay in.
 *
 * Money that arrives without a {deposit} call (plain ETH, which the clone accepts without running code even with
 * the 2,300-gas stipend of `transfer`; an ERC-20 sent straight here) is recorded by {sync}, which every claim
 * runs first, once the list is locked.
 *
 * Paid on performance: the organizer may gate a payee's fixed amount on its performance ({requirePerformance},
 * before the list is locked). While pending, the amount keeps its place in the fixed waterfall but nobody can claim
 * it; confirmed, the payee's term is as above; cancelled, what it fills of the waterfall goes to the remainder:
 *   R = N - min(N, F) + sum over cancelled c of min(fixed_c, N - min(N, fixedBefore_c))
 * Each term is non-decreasing in `T` and a cancellation only adds one, so no claim can underflow; the parts still
 * add up to `N` (every unit of the waterfall is a payee's or the remainder's). A claim reads the cancelled payees of
 * its currency (a short list: at most the payees with a fixed amount in it).
 */
contract RevenueSplit is IRevenueSplit, Initializable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Most payees the organizer can set (the platform payee not counted).
    uint256 public constant MAX_PAYEES = 100;
    /// @notice Most basis points of a ticket's price a tier can credit to the referrer of its sale.
    uint256 public constant MAX_REFERRAL_BPS = 2_000;
    uint256 private constant _BPS = 10_000;
    uint8 private constant _PERFORMANCE_NONE = 0;
    uint8 private constant _PERFORMANCE_PENDING = 1;
    uint8 private constant _PERFORMANCE_CONFIRMED = 2;
    uint8 private constant _PERFORMANCE_CANCELLED = 3;
    /// @dev Generation of a record valid in every generation (the platform payee).
    uint16 private constant _PERMANENT = type(uint16).max;

    /// @dev Read by every claim.
    struct Config {
        address organizer;
        uint16 totalShareBps;
        uint16 platformShareBps;
        uint16 generation;
        bool locked;
        uint16 maxReferralBps; // the highest referral share set so far (a high-water mark)
    }

    struct Account {
        uint16 generation; // the payee list version this record belongs to (_PERMANENT for the platform)
        uint16 shareBps;
        uint96 fixedAmount;
        uint128 releasedEth; // kept whatever the generation (released only happens once the list is locked)
    }

    struct FixedTerms {
        address token;
        uint96 before; // fixed amounts in `token` owed to earlier payees
    }

    /// @dev A payee's performance gate, valid for the generation it was set in.
    struct Performance {
        uint16 generation;
        uint8 status;
    }

    struct Totals {
        uint128 received;
        uint128 released;
    }

    Config private _config;
    mapping(address account => Account) private _accounts;
    mapping(address account => FixedTerms) private _fixed;
    mapping(uint256 generation => mapping(address token => uint256)) private _totalFixed;
    mapping(address token => Totals) private _totals;
    mapping(address account => mapping(address token => uint256)) private _releasedToken;
    mapping(address referrer => mapping(address token => uint256)) private _referralReleased;
    mapping(uint256 tierId => uint256) private _referralBps;
    mapping(address account => Performance) private _performance;
    mapping(uint256 generation => mapping(address token => address[])) private _cancelledPayees;
    address private _performanceConfirmer;

    /// @dev The implementation is never initialised; only its clones are.
    constructor() {
        _disableInitializers();
    }

    /// @inheritdoc IRevenueSplit
    function initialize(address organizer_, address platform, uint16 platformFeeBps, Payee[] calldata payees_)
        external
        initializer
    {
        if (organizer_ == address(0)) revert RevenueSplitInvalidPayee(organizer_);
        if (platformFeeBps > _BPS) revert RevenueSplitSharesExceeded(platformFeeBps);
        if (platformFeeBps != 0) {
            if (platform == address(0)) revert RevenueSplitInvalidPayee(platform);
            _accounts[platform] =
                Account({generation: _PERMANENT, shareBps: platformFeeBps, fixedAmount: 0, releasedEth: 0});
        }
        _config = Config({
            organizer: organizer_,
            totalShareBps: 0,
            platformShareBps: platformFeeBps,
            generation: 0,
            locked: false,
            maxReferralBps: 0
        });
        _setPayees(payees_);
    }

    /// @inheritdoc IRevenueSplit
    /// @dev The highest referral share counts in the total (referrals are paid out of the organizer's part).
    function setPayees(Payee[] calldata payees_) external {
        if (msg.sender != _config.organizer) revert RevenueSplitUnauthorized(msg.sender);
        if (_config.locked) revert RevenueSplitPayeesAreLocked();
        _setPayees(payees_);
        uint256 total = uint256(_config.totalShareBps) + _config.maxReferralBps;
        if (total > _BPS) revert RevenueSplitSharesExceeded(total);
    }

    /// @inheritdoc IRevenueSplit
    function setReferralShare(uint256 tierId, uint16 shareBps) external {
        Config memory c = _config;
        if (msg.sender != c.organizer) revert RevenueSplitUnauthorized(msg.sender);
        if (shareBps > MAX_REFERRAL_BPS) revert RevenueSplitReferralShareAboveCap(tierId, shareBps, MAX_REFERRAL_BPS);
        uint256 total = uint256(c.totalShareBps) + shareBps;
        if (total > _BPS) revert RevenueSplitReferralSharesExceeded(tierId, total);
        _referralBps[tierId] = shareBps;
        if (shareBps > c.maxReferralBps) _config.maxReferralBps = shareBps;
        emit ReferralShareSet(tierId, shareBps);
        IEventTicket(ticket()).setReferralShare(tierId, shareBps);
    }

    /// @inheritdoc IRevenueSplit
    /// @dev An ERC-20 is recorded as what arrived (its balance change), so a token that charges a transfer fee is
    /// recorded net of the fee and never makes a settlement revert.
    function deposit(address token, uint256 amount) external payable nonReentrant {
        if (amount == 0) revert RevenueSplitZeroAmount();
        if (token == address(0)) {
            if (msg.value != amount) revert RevenueSplitIncorrectPayment(amount, msg.value);
        } else {
            if (msg.value != 0) revert RevenueSplitIncorrectPayment(0, msg.value);
            IERC20 erc20 = IERC20(token);
            uint256 before = erc20.balanceOf(address(this));
            erc20.safeTransferFrom(msg.sender, address(this), amount);
            amount = erc20.balanceOf(address(this)) - before;
            if (amount == 0) revert RevenueSplitZeroAmount();
        }
        if (!_config.locked) {
            if (msg.sender != ticket()) revert RevenueSplitUnauthorized(msg.sender);
            _config.locked = true;
            emit PayeesLocked();
        }
        _record(token, msg.sender, amount);
    }

    /// @inheritdoc IRevenueSplit
    function sync(address token) external nonReentrant returns (uint256 amount) {
        if (!_config.locked) revert RevenueSplitPayeesNotLocked();
        return _sync(token);
    }

    /// @inheritdoc IRevenueSplit
    function claim(address token) external nonReentrant returns (uint256) {
        return _claim(msg.sender, token, msg.sender);
    }

    /// @inheritdoc IRevenueSplit
    function claimTo(address token, address to) external nonReentrant returns (uint256) {
        if (to == address(0)) revert RevenueSplitInvalidReceiver(to);
        return _claim(msg.sender, token, to);
    }

    /// @inheritdoc IRevenueSplit
    function claimFor(address payee_, address token) external nonReentrant returns (uint256) {
        return _claim(payee_, token, payee_);
    }

    /// @inheritdoc IRevenueSplit
    function claimReferral(address token) external nonReentrant returns (uint256 amount) {
        if (_config.locked) _sync(token);
        amount = referralClaimable(msg.sender, token);
        if (amount == 0) revert RevenueSplitNothingToClaim(msg.sender, token);
        _referralReleased[msg.sender][token] += amount;
        _totals[token].released += amount.toUint128();
        emit ReferralClaimed(msg.sender, token, amount);
        _send(token, msg.sender, amount);
    }

    // ================================================================ paid on performance

    /// @inheritdoc IRevenueSplit
    function requirePerformance(address payee_) external {
        Config memory c = _config;
        if (msg.sender != c.organizer) revert RevenueSplitUnauthorized(msg.sender);
        if (c.locked) revert RevenueSplitPayeesAreLocked();
        Account memory a = _accounts[payee_];
        if (a.generation != c.generation || a.generation == 0 || a.fixedAmount == 0) revert RevenueSplitNoFixedAmount(payee_);
        _performance[payee_] = Performance({generation: c.generation, status: _PERFORMANCE_PENDING});
        emit PerformanceRequired(payee_);
    }

    /// @inheritdoc IRevenueSplit
    function setPerformanceConfirmer(address confirmer) external {
        if (msg.sender != _config.organizer) revert RevenueSplitUnauthorized(msg.sender);
        _performanceConfirmer = confirmer;
        emit PerformanceConfirmerSet(confirmer);
    }

    /// @inheritdoc IRevenueSplit
    function confirmPerformance(address payee_) external {
        uint16 generation = _pendingPerformance(payee_);
        _performance[payee_] = Performance({generation: generation, status: _PERFORMANCE_CONFIRMED});
        emit PerformanceConfirmed(payee_, msg.sender);
    }

    /// @inheritdoc IRevenueSplit
    function cancelPerformance(address payee_) external {
        uint16 generation = _pendingPerformance(payee_);
        _performance[payee_] = Performance({generation: generation, status: _PERFORMANCE_CANCELLED});
        uint256 amount = _accounts[payee_].fixedAmount;
        address token = _fixed[payee_].token;
        _cancelledPayees[generation][token].push(payee_);
        emit PerformanceCancelled(payee_, token, amount, msg.sender);
    }

    /// @inheritdoc IRevenueSplit
    function performanceStatus(address payee_) public view returns (uint8) {
        Performance memory p = _performance[payee_];
        return p.generation == _config.generation ? p.status : _PERFORMANCE_NONE;
    }

    /// @inheritdoc IRevenueSplit
    function performanceConfirmer() external view returns (address) {
        return _performanceConfirmer;
    }

    /// @dev Checks the caller may decide `payee_`'s performance and that it is pending; returns the generation.
    function _pendingPerformance(address payee_) private view returns (uint16 generation) {
        if (msg.sender != _config.organizer && (msg.sender != _performanceConfirmer || msg.sender == address(0))) {
            revert RevenueSplitUnauthorized(msg.sender);
        }
        generation = _config.generation;
        Performance memory p = _performance[payee_];
        if (p.generation != generation || p.status != _PERFORMANCE_PENDING) revert RevenueSplitPerformanceNotPending(payee_);
    }

    /// @dev The remainder `R` of the contract comment: what the fixed waterfall leaves of `net`, plus what cancelled
    /// performances fill of it.
    function _remainder(uint16 generation, address token, uint256 net) private view returns (uint256 remainder) {
        uint256 fixedTotal = _totalFixed[generation][token];
        remainder = net > fixedTotal ? net - fixedTotal : 0;
        address[] storage cancelled = _cancelledPayees[generation][token];
        for (uint256 i = 0; i < cancelled.length; ++i) {
            uint256 before = _fixed[cancelled[i]].before;
            if (net <= before) continue;
            uint256 left = net - before;
            uint256 amount = _accounts[cancelled[i]].fixedAmount;
            remainder += left < amount ? left : amount;
        }
    }

    // ================================================================ views

    /// @inheritdoc IRevenueSplit
    function referralClaimable(address account, address token) public view returns (uint256) {
        (uint256 credit, uint256 total) = IEventTicket(ticket()).referral(account, token);
        if (credit == 0) return 0;
        uint256 funds = _organizerPart(token);
        if (funds > total) funds = total;
        return credit * funds / total - _referralReleased[account][token];
    }

    /// @inheritdoc IRevenueSplit
    function referralShareBps(uint256 tierId) external view returns (uint256) {
        return _referralBps[tierId];
    }

    /// @inheritdoc IRevenueSplit
    function maxReferralShareBps() external view returns (uint256) {
        return _config.maxReferralBps;
    }

    /// @inheritdoc IRevenueSplit
    function referralReleased(address account, address token) external view returns (uint256) {
        return _referralReleased[account][token];
    }

    /// @inheritdoc IRevenueSplit
    function claimable(address account, address token) public view returns (uint256) {
        return _entitled(account, token) - released(account, token);
    }

    /// @inheritdoc IRevenueSplit
    function released(address account, address token) public view returns (uint256) {
        return token == address(0) ? _accounts[account].releasedEth : _releasedToken[account][token];
    }

    /// @inheritdoc IRevenueSplit
    function totalReceived(address token) external view returns (uint256) {
        return _totals[token].received;
    }

    /// @inheritdoc IRevenueSplit
    function totalReleased(address token) external view returns (uint256) {
        return _totals[token].released;
    }

    /// @inheritdoc IRevenueSplit
    function payee(address account) external view returns (Payee memory p) {
        Account memory a = _accounts[account];
        if (!_isCurrent(a.generation, _config.generation)) return p;
        p.account = account;
        p.shareBps = a.shareBps;
        p.fixedAmount = a.fixedAmount;
        if (a.fixedAmount != 0) p.fixedToken = _fixed[account].token;
    }

    /// @inheritdoc IRevenueSplit
    function totalShareBps() external view returns (uint256) {
        return _config.totalShareBps;
    }

    /// @inheritdoc IRevenueSplit
    function platformShareBps() external view returns (uint256) {
        return _config.platformShareBps;
    }

    /// @inheritdoc IRevenueSplit
    function organizer() external view returns (address) {
        return _config.organizer;
    }

    /// @inheritdoc IRevenueSplit
    function ticket() public view returns (address ticket_) {
        bytes memory args = PayableClones.fetchArgs(address(this)); // abi.encodePacked(factory, uint64 eventId)
        address factory;
        uint64 eventId;
        assembly ("memory-safe") {
            factory := shr(96, mload(add(args, 32)))
            eventId := shr(192, mload(add(args, 52)))
        }
        (ticket_,) = IEventFactory(factory).eventContracts(eventId);
    }

    /// @inheritdoc IRevenueSplit
    function locked() external view returns (bool) {
        return _config.locked;
    }

    // ================================================================ internals

    /// @dev Starts a new generation holding the platform payee and `payees_`.
    function _setPayees(Payee[] calldata payees_) private {
        if (payees_.length > MAX_PAYEES) revert RevenueSplitTooManyPayees(payees_.length, MAX_PAYEES);
        Config memory c = _config;
        uint16 generation = c.generation + 1; // checked: 65,534 replacements at most
        if (generation == _PERMANENT) revert RevenueSplitPayeesAreLocked();
        uint256 total = c.platformShareBps;
        for (uint256 i = 0; i < payees_.length; ++i) {
            Payee calldata p = payees_[i];
            address account = p.account;
            if (account == address(0) || (p.shareBps == 0 && p.fixedAmount == 0)) {
                revert RevenueSplitInvalidPayee(account);
            }
            Account storage a = _accounts[account];
            uint16 previous = a.generation;
            if (previous == generation || previous == _PERMANENT) revert RevenueSplitDuplicatePayee(account);
            a.generation = generation;
            a.shareBps = p.shareBps;
            a.fixedAmount = p.fixedAmount;
            if (p.fixedAmount != 0) {
                uint256 before = _totalFixed[generation][p.fixedToken];
                _fixed[account] = FixedTerms({token: p.fixedToken, before: before.toUint96()});
                _totalFixed[generation][p.fixedToken] = before + p.fixedAmount;
            }
            total += p.shareBps;
        }
        if (total > _BPS) revert RevenueSplitSharesExceeded(total);
        _config.totalShareBps = uint16(total);
        _config.generation = generation;
        emit PayeesSet(payees_, total);
    }

    function _record(address token, address from, uint256 amount) private {
        Totals storage t = _totals[token];
        t.received = (uint256(t.received) + amount).toUint128();
        emit Deposited(token, from, amount);
    }

    /// @dev Records what this split holds of `token` beyond received - released (money that came without a deposit
    /// call) as a deposit from address(0). Only once the list is locked: before, nothing may be claimed.
    function _sync(address token) private returns (uint256 amount) {
        uint256 balance = token == address(0) ? address(this).balance : IERC20(token).balanceOf(address(this));
        Totals memory t = _totals[token];
        uint256 accounted = uint256(t.received) - t.released;
        if (balance > accounted) {
            amount = balance - accounted;
            _record(token, address(0), amount);
        }
    }

    function _claim(address payee_, address token, address to) private returns (uint256 amount) {
        if (_config.locked) _sync(token);
        amount = claimable(payee_, token);
        if (amount == 0) revert RevenueSplitNothingToClaim(payee_, token);
        if (token == address(0)) {
            _accounts[payee_].releasedEth += amount.toUint128();
        } else {
            _releasedToken[payee_][token] += amount;
        }
        _totals[token].released += amount.toUint128();
        emit Claimed(payee_, token, amount, to);
        _send(token, to, amount);
    }

    function _send(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            Address.sendValue(payable(to), amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    /// @dev The organizer's part of `token` before referrals (`O` in the contract comment).
    function _organizerPart(address token) private view returns (uint256) {
        uint256 received = _totals[token].received;
        if (received == 0) return 0;
        Config memory c = _config;
        uint256 net = received - received * c.platformShareBps / _BPS;
        uint256 remainder = _remainder(c.generation, token, net);
        if (remainder == 0) return 0;
        return remainder - remainder * (c.totalShareBps - c.platformShareBps) / (_BPS - c.platformShareBps);
    }

    /// @dev Everything `account` is owed in `token` so far, as payee and as organizer. See the contract comment.
    function _entitled(address account, address token) private view returns (uint256 e) {
        uint256 received = _totals[token].received;
        if (received == 0) return 0;
        Config memory c = _config;
        uint256 fee = received * c.platformShareBps / _BPS;
        uint256 net = received - fee;
        uint256 remainder = _remainder(c.generation, token, net);
        uint256 pool = _BPS - c.platformShareBps; // the bps the remainder is shared by (0 only if remainder is 0)
        Account memory a = _accounts[account];
        if (a.generation == _PERMANENT) {
            e = fee;
        } else if (_isCurrent(a.generation, c.generation)) {
            if (a.fixedAmount != 0 && _fixedIsPayable(account, c.generation)) {
                FixedTerms memory f = _fixed[account];
                if (f.token == token && net > f.before) {
                    uint256 left = net - f.before;
                    e = left < a.fixedAmount ? left : a.fixedAmount;
                }
            }
            if (remainder != 0) e += remainder * a.shareBps / pool;
        }
        if (account == c.organizer && remainder != 0) {
            uint256 part = remainder - remainder * (c.totalShareBps - c.platformShareBps) / pool;
            (, uint256 referrals) = IEventTicket(ticket()).referral(c.organizer, token);
            e += part > referrals ? part - referrals : 0;
        }
    }

    /// @dev A fixed amount is payable unless it waits for (or lost) its performance in this generation.
    function _fixedIsPayable(address account, uint16 generation) private view returns (bool) {
        Performance memory p = _performance[account];
        return p.generation != generation || p.status == _PERFORMANCE_NONE || p.status == _PERFORMANCE_CONFIRMED;
    }

    function _isCurrent(uint16 recordGeneration, uint16 generation) private pure returns (bool) {
        return recordGeneration != 0 && (recordGeneration == generation || recordGeneration == _PERMANENT);
    }
}
