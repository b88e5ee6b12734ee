// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {PayableClones} from "./PayableClones.sol";
import {IEventFactory} from "./interfaces/IEventFactory.sol";
import {IEventTicket} from "./interfaces/IEventTicket.sol";
import {IRevenueSplit} from "./interfaces/IRevenueSplit.sol";

/**
 * @title EventFactory
 * @notice Creates events as EIP-1167 clones ({PayableClones}: they accept plain ETH with the 2,300-gas stipend) of an
 * {EventTicket} and a {RevenueSplit} implementation
 * (see {IEventFactory}). Clones are deployed with CREATE2 and the event id as salt, so an event's addresses are
 * computed, not stored. Both clones carry immutable arguments (read from their code, which saves storage): the
 * split its factory and event id (to find its ticket), the ticket the split's address. The factory's default admin sets the
 * platform fee, at most 10 %.
 */
contract EventFactory is IEventFactory, AccessControlDefaultAdminRules {
    /// @notice The platform fee can never exceed 10 %.
    uint16 public constant MAX_PLATFORM_FEE_BPS = 1_000;

    /// @inheritdoc IEventFactory
    address public immutable ticketImplementation;
    /// @inheritdoc IEventFactory
    address public immutable splitImplementation;

    /// @dev One slot, read and written by every createEvent.
    struct FactoryState {
        address feeRecipient;
        uint16 feeBps;
        uint64 eventCount;
    }

    FactoryState private _factory;

    /// @param ticketImpl the EventTicket implementation
    /// @param splitImpl the RevenueSplit implementation
    /// @param admin the factory's default admin
    /// @param adminDelay delay of a default admin transfer, in seconds
    /// @param feeRecipient the platform fee recipient
    /// @param feeBps the platform fee, in basis points of everything each event's split receives (taken off the top)
    constructor(
        address ticketImpl,
        address splitImpl,
        address admin,
        uint48 adminDelay,
        address feeRecipient,
        uint16 feeBps
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        ticketImplementation = ticketImpl;
        splitImplementation = splitImpl;
        _setPlatformFee(feeRecipient, feeBps);
    }

    /// @inheritdoc IEventFactory
    function createEvent(
        IEventTicket.EventConfig calldata config,
        IEventTicket.TierConfig[] calldata tiers,
        IRevenueSplit.Payee[] calldata payees
    ) external returns (uint256 eventId, address ticket, address split) {
        FactoryState memory f = _factory;
        eventId = uint256(f.eventCount) + 1;
        _factory.eventCount = uint64(eventId);

        split = PayableClones.cloneDeterministic(splitImplementation, _splitArgs(eventId), bytes32(eventId));
        ticket = PayableClones.cloneDeterministic(ticketImplementation, abi.encodePacked(split), bytes32(eventId));
        emit EventCreated(eventId, msg.sender, ticket, split, config, f.feeRecipient, f.feeBps);

        IRevenueSplit(split).initialize(msg.sender, f.feeRecipient, f.feeBps, payees);
        IEventTicket(ticket).initialize(msg.sender, config, tiers);
    }

    /// @inheritdoc IEventFactory
    function setPlatformFee(address recipient, uint16 feeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setPlatformFee(recipient, feeBps);
    }

    /// @inheritdoc IEventFactory
    function platformFee() external view returns (address recipient, uint16 feeBps) {
        return (_factory.feeRecipient, _factory.feeBps);
    }

    /// @inheritdoc IEventFactory
    function eventContracts(uint256 eventId) external view returns (address ticket, address split) {
        if (eventId == 0 || eventId > _factory.eventCount) revert EventFactoryUnknownEvent(eventId);
        split = PayableClones.predictDeterministicAddress(splitImplementation, _splitArgs(eventId), bytes32(eventId), address(this));
        ticket = PayableClones.predictDeterministicAddress(
            ticketImplementation, abi.encodePacked(split), bytes32(eventId), address(this)
        );
    }

    /// @inheritdoc IEventFactory
    function eventCount() external view returns (uint256) {
        return _factory.eventCount;
    }

    /// @dev The split clone's immutable arguments: this factory and the event id, from which it finds its ticket.
    function _splitArgs(uint256 eventId) private view returns (bytes memory) {
        return abi.encodePacked(address(this), uint64(eventId));
    }

    function _setPlatformFee(address recipient, uint16 feeBps) private {
        if (feeBps > MAX_PLATFORM_FEE_BPS) revert EventFactoryFeeTooHigh(feeBps, MAX_PLATFORM_FEE_BPS);
        if (feeBps != 0 && recipient == address(0)) revert EventFactoryInvalidFeeRecipient(recipient);
        _factory.feeRecipient = recipient;
        _factory.feeBps = feeBps;
        emit PlatformFeeSet(recipient, feeBps);
    }
}
