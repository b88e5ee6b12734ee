// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RevenueSplit} from "../../contracts/RevenueSplit.sol";
import {EventTicket} from "../../contracts/EventTicket.sol";
import {EventFactory} from "../../contracts/EventFactory.sol";
import {IEventTicket} from "../../contracts/interfaces/IEventTicket.sol";
import {IRevenueSplit} from "../../contracts/interfaces/IRevenueSplit.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";

/// @dev The few Hardhat/Foundry cheatcodes used here (no forge-std on this machine).
interface Vm {
    function deal(address account, uint256 balance) external;
    function prank(address sender) external;
}

/// @dev Split accounting, checked for one currency: every unit received is released, claimable or dust, and the
/// dust (per-payee rounding) is below one unit per bps payee. Shared by the fuzz and the invariant tests.
abstract contract SplitAccounting {
    function _assertAccounting(RevenueSplit split, address token, address[] memory accounts, uint256 bpsPayees)
        internal
        view
    {
        uint256 received = split.totalReceived(token);
        uint256 released;
        uint256 claimable;
        for (uint256 i = 0; i < accounts.length; ++i) {
            released += split.released(accounts[i], token);
            claimable += split.claimable(accounts[i], token);
        }
        require(released == split.totalReleased(token), "released != totalReleased");
        require(released + claimable <= received, "over-allocated: claimed + claimable > received");
        uint256 dust = received - released - claimable;
        require(dust <= bpsPayees, "dust above one unit per bps payee");
        uint256 balance = token == address(0) ? address(split).balance : MockERC20(token).balanceOf(address(split));
        require(balance == received - released, "balance != received - released");
    }
}

/// @dev Drives a split at random for the invariant test: deposits in ETH and in a token, claims by anyone.
contract SplitHandler {
    RevenueSplit public immutable split;
    MockERC20 public immutable token;
    address[] private _accounts;

    constructor(RevenueSplit split_, MockERC20 token_, address[] memory accounts_) {
        split = split_;
        token = token_;
        _accounts = accounts_;
    }

    function depositEth(uint256 amount) external {
        amount = 1 + amount % 50 ether;
        if (address(this).balance < amount) return;
        split.deposit{value: amount}(address(0), amount);
    }

    function depositToken(uint256 amount) external {
        amount = 1 + amount % 1e30;
        token.mint(address(this), amount);
        token.approve(address(split), amount);
        split.deposit(address(token), amount);
    }

    function claim(uint256 who, bool eth) external {
        address account = _accounts[who % _accounts.length];
        address currency = eth ? address(0) : address(token);
        if (split.claimable(account, currency) == 0) return;
        split.claimFor(account, currency);
    }
}

contract RevenueSplitInvariantTest is SplitAccounting {
    Vm private constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    address private constant PLATFORM = address(0xB0B);
    /// @dev This test contract creates the events, so it is their organizer.
    address private immutable ORGANIZER = address(this);

    EventFactory private _factory;
    RevenueSplit private _split;
    MockERC20 private _token;
    SplitHandler private _handler;
    address[] private _accounts;

    /// @dev A split created the real way (factory, clones), with its first deposit made by its ticket so that the
    /// payee list is locked and anyone may deposit afterwards.
    function _newSplit(IRevenueSplit.Payee[] memory payees, uint16 feeBps, uint256 firstDeposit)
        private
        returns (RevenueSplit split)
    {
        _factory.setPlatformFee(PLATFORM, feeBps);
        IEventTicket.EventConfig memory config = IEventTicket.EventConfig({
            name: "Fuzz",
            symbol: "FZ",
            baseURI: "",
            contractURI: "",
            startsAt: uint40(block.timestamp + 1),
            endsAt: uint40(block.timestamp + 2),
            refundWindow: 0,
            transferPolicy: IEventTicket.TransferPolicy.Free,
            resaleCapBps: 0,
            royaltyBps: 0
        });
        (, address ticket, address splitAddress) =
            _factory.createEvent(config, new IEventTicket.TierConfig[](0), payees);
        split = RevenueSplit(payable(splitAddress));
        vm.deal(ticket, firstDeposit);
        vm.deal(address(this), address(this).balance + firstDeposit);
        vm.prank(ticket);
        split.deposit{value: firstDeposit}(address(0), firstDeposit);
    }

    function setUp() public {
        _factory = new EventFactory(address(new EventTicket()), address(new RevenueSplit()), address(this), 0, PLATFORM, 250);
        _token = new MockERC20("Stable", "STB", 6);
        IRevenueSplit.Payee[] memory payees = new IRevenueSplit.Payee[](4);
        payees[0] = IRevenueSplit.Payee(address(0x1001), 3_333, 0.7 ether, address(0)); // fixed in ETH, then a share
        payees[1] = IRevenueSplit.Payee(address(0x1002), 1_111, 0, address(0));
        payees[2] = IRevenueSplit.Payee(address(0x1003), 0, 5_000e6, address(_token)); // fixed in the token only
        payees[3] = IRevenueSplit.Payee(address(0x1004), 2_999, 1_000e6, address(_token));
        _split = _newSplit(payees, 250, 1 ether);
        _accounts = [PLATFORM, address(0x1001), address(0x1002), address(0x1003), address(0x1004), ORGANIZER];
        _handler = new SplitHandler(_split, _token, _accounts);
        vm.deal(address(_handler), 1_000_000 ether);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(_handler);
    }

    /// @notice Invariant: claimed + claimable + dust == received, per currency, dust < bps payees, balance matches.
    function invariant_accountingAddsUp() public view {
        _assertAccounting(_split, address(0), _accounts, 4);
        _assertAccounting(_split, address(_token), _accounts, 4);
    }

    /// @notice Fuzz: random shares, fixed amounts and amounts; deposits interleaved with claims of random payees.
    function testFuzz_accountingAddsUpForAnySplit(
        uint16[4] calldata shares,
        uint64[4] calldata fixedAmounts,
        uint96[6] calldata deposits,
        uint256 claimSeed
    ) public {
        IRevenueSplit.Payee[] memory payees = new IRevenueSplit.Payee[](4);
        address[] memory accounts = new address[](6);
        uint256 room = 10_000 - 250;
        uint256 bpsPayees = 1;
        for (uint256 i = 0; i < 4; ++i) {
            uint256 share = room == 0 ? 0 : shares[i] % (room + 1);
            room -= share;
            uint96 fixedAmount = uint96(fixedAmounts[i] % 3 == 0 ? 0 : fixedAmounts[i]);
            if (share == 0 && fixedAmount == 0) fixedAmount = 1;
            if (share != 0) bpsPayees++;
            address account = address(uint160(0x2000 + i));
            payees[i] = IRevenueSplit.Payee(account, uint16(share), fixedAmount, address(0));
            accounts[i] = account;
        }
        accounts[4] = PLATFORM;
        accounts[5] = ORGANIZER;
        RevenueSplit split = _newSplit(payees, 250, 1 + uint256(deposits[0]) % 100 ether);
        _assertAccounting(split, address(0), accounts, bpsPayees);

        for (uint256 d = 0; d < deposits.length; ++d) {
            uint256 amount = 1 + uint256(deposits[d]) % 100 ether;
            vm.deal(address(this), amount);
            split.deposit{value: amount}(address(0), amount);
            _assertAccounting(split, address(0), accounts, bpsPayees);
            for (uint256 k = 0; k < 3; ++k) {
                address account = accounts[uint256(keccak256(abi.encode(claimSeed, d, k))) % accounts.length];
                if (split.claimable(account, address(0)) != 0) split.claimFor(account, address(0));
                _assertAccounting(split, address(0), accounts, bpsPayees);
            }
        }
        // in the end everyone can be paid: claim everything, only dust stays
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (split.claimable(accounts[i], address(0)) != 0) split.claimFor(accounts[i], address(0));
        }
        _assertAccounting(split, address(0), accounts, bpsPayees);
        require(address(split).balance <= bpsPayees, "more than dust left");
    }

    /// @notice Fixed amounts are paid first and in order, whatever the amounts.
    function testFuzz_fixedAmountsFirstInOrder(uint64 first, uint64 second, uint96 received) public {
        IRevenueSplit.Payee[] memory payees = new IRevenueSplit.Payee[](3);
        uint96 a = uint96(first) + 1;
        uint96 b = uint96(second) + 1;
        payees[0] = IRevenueSplit.Payee(address(0x3001), 0, a, address(0));
        payees[1] = IRevenueSplit.Payee(address(0x3002), 0, b, address(0));
        payees[2] = IRevenueSplit.Payee(address(0x3003), 5_000, 0, address(0));
        uint256 amount = 1 + uint256(received);
        RevenueSplit split = _newSplit(payees, 0, amount);

        uint256 toFirst = amount < a ? amount : a;
        uint256 toSecond = amount <= a ? 0 : (amount - a < b ? amount - a : b);
        uint256 remainder = amount > uint256(a) + b ? amount - a - b : 0;
        require(split.claimable(address(0x3001), address(0)) == toFirst, "first fixed");
        require(split.claimable(address(0x3002), address(0)) == toSecond, "second fixed");
        require(split.claimable(address(0x3003), address(0)) == remainder / 2, "share of the remainder");
        require(split.claimable(ORGANIZER, address(0)) == remainder - remainder / 2, "organizer: the rest");
    }

    /// @notice The platform fee comes off the top: whatever fixed amounts the organizer sets (up to 2^96-1, to a
    /// second wallet of its own), the platform gets its bps of everything received.
    function testFuzz_platformFeeOffTheTop(uint96 fixedAmount, uint16 share, uint96 received) public {
        IRevenueSplit.Payee[] memory payees = new IRevenueSplit.Payee[](2);
        payees[0] = IRevenueSplit.Payee(address(0x4001), 0, uint96(1 + uint256(fixedAmount) % type(uint96).max), address(0));
        payees[1] = IRevenueSplit.Payee(address(0x4002), uint16(share % 9_751), 0, address(0));
        if (payees[1].shareBps == 0) payees[1].fixedAmount = 1;
        uint256 amount = 1 + uint256(received);
        RevenueSplit split = _newSplit(payees, 250, amount);
        require(split.claimable(PLATFORM, address(0)) == amount * 250 / 10_000, "platform fee off the top");
    }

    /// @notice Paid on performance: with any fees gated, confirmed or cancelled at any point, claimed + claimable +
    /// dust == received, a pending fee is never claimable, and in the end only rounding stays.
    function testFuzz_paidOnPerformanceAddsUp(uint64[3] calldata fees, uint16 share, uint8 plan, uint96[4] calldata deposits) public {
        IRevenueSplit.Payee[] memory payees = new IRevenueSplit.Payee[](4);
        address[] memory accounts = new address[](6);
        for (uint256 i = 0; i < 3; ++i) {
            payees[i] = IRevenueSplit.Payee(address(uint160(0x5000 + i)), 0, uint96(fees[i]) + 1, address(0));
            accounts[i] = payees[i].account;
        }
        payees[3] = IRevenueSplit.Payee(address(0x5003), uint16(1 + share % 9_000), 0, address(0));
        accounts[3] = payees[3].account;
        accounts[4] = PLATFORM;
        accounts[5] = ORGANIZER;
        _factory.setPlatformFee(PLATFORM, 250);
        IEventTicket.EventConfig memory config = IEventTicket.EventConfig({
            name: "Fuzz",
            symbol: "FZ",
            baseURI: "",
            contractURI: "",
            startsAt: uint40(block.timestamp + 1),
            endsAt: uint40(block.timestamp + 2),
            refundWindow: 0,
            transferPolicy: IEventTicket.TransferPolicy.Free,
            resaleCapBps: 0,
            royaltyBps: 0
        });
        (, address ticket, address splitAddress) = _factory.createEvent(config, new IEventTicket.TierConfig[](0), payees);
        RevenueSplit split = RevenueSplit(payable(splitAddress));
        // plan bits: 0..2 gate payee i; 3..5 then cancel it (else confirm it), half-way through the deposits
        for (uint256 i = 0; i < 3; ++i) {
            if (plan & (1 << i) != 0) split.requirePerformance(accounts[i]);
        }
        uint256 first = 1 + uint256(deposits[0]) % 10 ether;
        vm.deal(ticket, first);
        vm.prank(ticket);
        split.deposit{value: first}(address(0), first);
        for (uint256 d = 1; d < deposits.length; ++d) {
            for (uint256 i = 0; i < 3; ++i) {
                if (split.performanceStatus(accounts[i]) == 1) require(split.claimable(accounts[i], address(0)) == 0, "pending fee claimable");
            }
            if (d == 2) {
                for (uint256 i = 0; i < 3; ++i) {
                    if (plan & (1 << i) == 0) continue;
                    if (plan & (1 << (i + 3)) != 0) split.cancelPerformance(accounts[i]);
                    else split.confirmPerformance(accounts[i]);
                }
            }
            uint256 amount = 1 + uint256(deposits[d]) % 10 ether;
            vm.deal(address(this), amount);
            split.deposit{value: amount}(address(0), amount);
            // a pending fee is held, not dust: the rounding bound applies once every gate is decided
            uint256 slack = d < 2 && (plan & 7) != 0 ? type(uint256).max : 2;
            _assertAccounting(split, address(0), accounts, slack);
            address who = accounts[uint256(keccak256(abi.encode(plan, d))) % accounts.length];
            if (split.claimable(who, address(0)) != 0) split.claimFor(who, address(0));
            _assertAccounting(split, address(0), accounts, slack);
        }
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (split.claimable(accounts[i], address(0)) != 0) split.claimFor(accounts[i], address(0));
        }
        _assertAccounting(split, address(0), accounts, 2);
        require(address(split).balance <= 2, "more than rounding left");
    }

    receive() external payable {}
}
