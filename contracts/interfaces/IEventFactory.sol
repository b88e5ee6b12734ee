// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEventTicket} from "./IEventTicket.sol";
import {IRevenueSplit} from "./IRevenueSplit.sol";

/**
 * @title IEventFactory
 * @notice Creates events: an {IEventTicket} and an {IRevenueSplit}, each an EIP-1167 clone, both initialised
 * in the same transaction, the caller as organizer and admin. The platform fee becomes payee 0 of every new split.
 */
interface IEventFactory {
    /// @notice A new event. Emitted after the clones are deployed and BEFORE they are initialised, so every
    /// log of their initialisation (TierCreated, PayeesSet, RoleGranted, ...) follows it in the same transaction.
    /// `config` holds the ticket's initial settings; later changes come as the ticket's own events.
    event EventCreated(
        uint256 indexed eventId,
        address indexed organizer,
        address indexed ticket,
        address split,
        IEventTicket.EventConfig config,
        address platformFeeRecipient,
        uint256 platformFeeBps
    );

    /// @notice The platform fee for events created from now on.
    event PlatformFeeSet(address indexed recipient, uint256 feeBps);

    /// @dev A fee above MAX_PLATFORM_FEE_BPS.
    error EventFactoryFeeTooHigh(uint256 feeBps, uint256 maxBps);
    /// @dev A zero fee recipient with a non-zero fee.
    error EventFactoryInvalidFeeRecipient(address recipient);
    /// @dev No event with this id.
    error EventFactoryUnknownEvent(uint256 eventId);

    /// @notice Creates an event with the caller as organizer and default admin of the ticket contract.
    function createEvent(
        IEventTicket.EventConfig calldata config,
        IEventTicket.TierConfig[] calldata tiers,
        IRevenueSplit.Payee[] calldata payees
    ) external returns (uint256 eventId, address ticket, address split);

    /// @notice Sets the platform fee (at most MAX_PLATFORM_FEE_BPS) and its recipient. Factory default admin only.
    function setPlatformFee(address recipient, uint16 feeBps) external;

    /// @notice The current platform fee.
    function platformFee() external view returns (address recipient, uint16 feeBps);

    /// @notice The contracts of event `eventId` (deterministic clone addresses; reverts for unknown ids).
    function eventContracts(uint256 eventId) external view returns (address ticket, address split);

    /// @notice Number of events created; ids are 1 .. eventCount.
    function eventCount() external view returns (uint256);

    function ticketImplementation() external view returns (address);

    function splitImplementation() external view returns (address);
}
