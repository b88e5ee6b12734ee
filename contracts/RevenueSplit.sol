// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IRevenueSplit} from "./interfaces/IRevenueSplit.sol";

/**
 * @title RevenueSplit
 * @notice One event's revenue split (see {IRevenueSplit} for the rule). Used through EIP-1167 clones made by the
 * {EventFactory}; the payee list is managed by the default admin of the event's ticket contract.
 *
 * Everything is computed lazily from per-currency cumulative totals, so a deposit costs the same with 2 payees or
 * 50, and a claim reads only the claimant's own record. For a currency with total received `T`:
 *
 *   F = sum of fixed amounts in that currency, R = T - min(T, F)               (remainder after fixed amounts)
 *   payee i:    min(fixed_i, T - min(T, fixedBefore_i))   if fixedToken_i is the currency
 *             + floor(R * shareBps_i / 10_000)
 *   organizer:  R - floor(R * totalShareBps / 10_000)                           (unallocated bps, rounded up)
 *
 * Every term is non-decreasing in `T`, so `claimable = entitled - released` never underflows, and the terms add up
 * to at most `T`: the difference is the per-payee rounding, at most one unit per bps payee, reported by {dust}.
 * (Giving that rounding to the organizer as it arises is not possible lazily: it shrinks when `T` grows, so what
 * the organizer had already claimed could exceed its share later. It stays in the contract instead.)
 */
contract RevenueSplit is IRevenueSplit, Initializable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Most payees a split can have (the platform payee included).
    uint256 public constant MAX_PAYEES = 100;
    uint256 private constant _BPS = 10_000;

    /// @dev Read by every claim.
    struct Config {
        address organizer;
        uint16 totalShareBps;
        bool locked;
        bool hasPlatformPayee; // payee 0 is the platform fee payee
    }

    /// @dev One slot per account; `releasedEth` sits here so that an ETH claim writes a slot that is already set.
    struct Account {
        uint16 position; // 1-based index in _payees, 0 = not a payee
        uint16 shareBps;
        uint96 fixedAmount;
        uint128 releasedEth;
    }

    struct FixedTerms {
        address token;
        uint96 before; // fixed amounts in `token` owed to earlier payees
    }

    struct Totals {
        uint128 received;
        uint128 released;
    }

    Config private _config;
    address private _ticket;
    address[] private _payees;
    mapping(address account => Account) private _accounts;
    mapping(address account => FixedTerms) private _fixed;
    mapping(address token => uint256) private _totalFixed;
    mapping(address token => Totals) private _totals;
    mapping(address account => mapping(address token => uint256)) private _releasedToken;

    /// @dev The implementation is never initialised; only its clones are.
    constructor() {
        _disableInitializers();
    }

    /// @inheritdoc IRevenueSplit
    function initialize(
        address ticket_,
        address organizer_,
        address platform,
        uint16 platformFeeBps,
        Payee[] calldata payees_
    ) external initializer {
        _ticket = ticket_;
        _config.organizer = organizer_;
        _setPayees(platform, platformFeeBps, payees_);
    }

    /// @inheritdoc IRevenueSplit
    function setPayees(Payee[] calldata payees_) external {
        if (msg.sender != IAccessControlDefaultAdminRules(_ticket).defaultAdmin()) {
            revert RevenueSplitUnauthorized(msg.sender);
        }
        if (_config.locked) revert RevenueSplitPayeesAreLocked();
        address platform;
        uint16 platformFeeBps;
        if (_config.hasPlatformPayee) {
            platform = _payees[0];
            platformFeeBps = _accounts[platform].shareBps;
        }
        // clear the old list (nothing was received yet, so no released amounts are lost)
        for (uint256 i = _payees.length; i > 0; --i) {
            address account = _payees[i - 1];
            if (_accounts[account].fixedAmount != 0) {
                delete _totalFixed[_fixed[account].token];
                delete _fixed[account];
            }
            delete _accounts[account];
            _payees.pop();
        }
        _setPayees(platform, platformFeeBps, payees_);
    }

    /// @inheritdoc IRevenueSplit
    function deposit(address token, uint256 amount) external payable nonReentrant {
        if (amount == 0) revert RevenueSplitZeroAmount();
        if (token == address(0)) {
            if (msg.value != amount) revert RevenueSplitIncorrectPayment(amount, msg.value);
        } else {
            if (msg.value != 0) revert RevenueSplitIncorrectPayment(0, msg.value);
            IERC20 erc20 = IERC20(token);
            uint256 before = erc20.balanceOf(address(this));
            erc20.safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = erc20.balanceOf(address(this)) - before;
            if (received != amount) revert RevenueSplitTransferAmountMismatch(token, amount, received);
        }
        _record(token, amount);
    }

    /// @notice ETH sent directly counts as a deposit.
    receive() external payable {
        if (msg.value == 0) revert RevenueSplitZeroAmount();
        _record(address(0), msg.value);
    }

    /// @inheritdoc IRevenueSplit
    function claim(address token) external nonReentrant returns (uint256) {
        return _claim(msg.sender, token);
    }

    /// @inheritdoc IRevenueSplit
    function claimFor(address payee, address token) external nonReentrant returns (uint256) {
        return _claim(payee, token);
    }

    // ================================================================ views

    /// @inheritdoc IRevenueSplit
    function claimable(address account, address token) public view returns (uint256) {
        return _entitled(account, token, _config) - released(account, token);
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
    function dust(address token) external view returns (uint256) {
        Config memory c = _config;
        uint256 allocated;
        bool organizerIsPayee;
        for (uint256 i = 0; i < _payees.length; ++i) {
            address account = _payees[i];
            if (account == c.organizer) organizerIsPayee = true;
            allocated += _entitled(account, token, c);
        }
        if (!organizerIsPayee) allocated += _entitled(c.organizer, token, c);
        return _totals[token].received - allocated;
    }

    /// @inheritdoc IRevenueSplit
    function payees() external view returns (Payee[] memory list) {
        list = new Payee[](_payees.length);
        for (uint256 i = 0; i < list.length; ++i) {
            list[i] = _payeeAt(i);
        }
    }

    /// @inheritdoc IRevenueSplit
    function totalShareBps() external view returns (uint256) {
        return _config.totalShareBps;
    }

    /// @inheritdoc IRevenueSplit
    function organizer() external view returns (address) {
        return _config.organizer;
    }

    /// @inheritdoc IRevenueSplit
    function ticket() external view returns (address) {
        return _ticket;
    }

    /// @inheritdoc IRevenueSplit
    function locked() external view returns (bool) {
        return _config.locked;
    }

    // ================================================================ internals

    function _setPayees(address platform, uint16 platformFeeBps, Payee[] calldata payees_) private {
        bool hasPlatform = platformFeeBps != 0;
        uint256 count = payees_.length + (hasPlatform ? 1 : 0);
        if (count > MAX_PAYEES) revert RevenueSplitTooManyPayees(count, MAX_PAYEES);
        uint256 total;
        if (hasPlatform) total = _addPayee(platform, platformFeeBps, 0, address(0));
        for (uint256 i = 0; i < payees_.length; ++i) {
            Payee calldata p = payees_[i];
            total += _addPayee(p.account, p.shareBps, p.fixedAmount, p.fixedToken);
        }
        if (total > _BPS) revert RevenueSplitSharesExceeded(total);
        Config storage c = _config;
        c.totalShareBps = uint16(total);
        c.hasPlatformPayee = hasPlatform;

        Payee[] memory list = new Payee[](count);
        if (hasPlatform) list[0] = Payee(platform, platformFeeBps, 0, address(0));
        for (uint256 i = 0; i < payees_.length; ++i) {
            list[i + (hasPlatform ? 1 : 0)] = payees_[i];
        }
        emit PayeesSet(list, total);
    }

    function _addPayee(address account, uint16 shareBps, uint96 fixedAmount, address fixedToken)
        private
        returns (uint256)
    {
        if (account == address(0) || (shareBps == 0 && fixedAmount == 0)) revert RevenueSplitInvalidPayee(account);
        if (_accounts[account].position != 0) revert RevenueSplitDuplicatePayee(account);
        _payees.push(account);
        _accounts[account] = Account({
            position: uint16(_payees.length),
            shareBps: shareBps,
            fixedAmount: fixedAmount,
            releasedEth: 0
        });
        if (fixedAmount != 0) {
            uint256 before = _totalFixed[fixedToken];
            _fixed[account] = FixedTerms({token: fixedToken, before: before.toUint96()});
            _totalFixed[fixedToken] = before + fixedAmount;
        }
        return shareBps;
    }

    function _record(address token, uint256 amount) private {
        Totals storage t = _totals[token];
        t.received = (uint256(t.received) + amount).toUint128();
        if (!_config.locked) {
            _config.locked = true;
            emit PayeesLocked();
        }
        emit Deposited(token, msg.sender, amount);
    }

    function _claim(address payee, address token) private returns (uint256 amount) {
        Account storage a = _accounts[payee];
        amount = claimable(payee, token);
        if (amount == 0) revert RevenueSplitNothingToClaim(payee, token);
        if (token == address(0)) {
            a.releasedEth += amount.toUint128();
        } else {
            _releasedToken[payee][token] += amount;
        }
        _totals[token].released += amount.toUint128();
        emit Claimed(payee, token, amount);
        if (token == address(0)) {
            Address.sendValue(payable(payee), amount);
        } else {
            IERC20(token).safeTransfer(payee, amount);
        }
    }

    /// @dev Everything `account` is owed in `token` so far, as payee and as organizer. See the contract comment.
    function _entitled(address account, address token, Config memory c) private view returns (uint256 e) {
        uint256 received = _totals[token].received;
        if (received == 0) return 0;
        uint256 fixedTotal = _totalFixed[token];
        uint256 remainder = received > fixedTotal ? received - fixedTotal : 0;
        Account memory a = _accounts[account];
        if (a.position != 0) {
            if (a.fixedAmount != 0) {
                FixedTerms memory f = _fixed[account];
                if (f.token == token && received > f.before) {
                    uint256 left = received - f.before;
                    e = left < a.fixedAmount ? left : a.fixedAmount;
                }
            }
            e += remainder * a.shareBps / _BPS;
        }
        if (account == c.organizer) {
            e += remainder - remainder * c.totalShareBps / _BPS;
        }
    }

    function _payeeAt(uint256 i) private view returns (Payee memory) {
        address account = _payees[i];
        Account memory a = _accounts[account];
        return Payee({
            account: account,
            shareBps: a.shareBps,
            fixedAmount: a.fixedAmount,
            fixedToken: a.fixedAmount != 0 ? _fixed[account].token : address(0)
        });
    }
}
