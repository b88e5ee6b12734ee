// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

/**
 * @title PayableClones
 * @notice EIP-1167 clones with immutable arguments (as OpenZeppelin's `Clones`) whose code accepts plain ETH itself.
 *
 * A standard clone forwards every call, plain ETH included, with a DELEGATECALL to its implementation. Since
 * EIP-2929 a DELEGATECALL to a cold address costs 2,600 gas, more than the 2,300-gas stipend of Solidity's
 * `transfer`/`send`, so a standard clone can never be paid that way (many marketplaces pay ERC-2981 royalties so).
 * These clones start with `if (calldatasize() == 0) stop()`: a call without data is accepted on the spot and runs
 * no implementation code (the implementations must not need a `receive` to run), every other call is forwarded
 * as usual. Six bytes longer than a standard clone; the arguments follow the code, at offset 0x33.
 *
 * Runtime: 36 6005 57 00 5b | 363d3d373d3d3d363d73 <implementation> 5af43d82803e903d91603157fd5bf3 | args
 */
library PayableClones {
    /// @dev Offset of the immutable arguments in a clone's code.
    uint256 private constant _ARGS_OFFSET = 0x33;

    /// @dev The immutable arguments are too long for a clone.
    error PayableClonesArgumentsTooLong();

    /// @notice Deploys a clone of `implementation` carrying `args`, with CREATE2 and `salt`.
    function cloneDeterministic(address implementation, bytes memory args, bytes32 salt) internal returns (address) {
        return Create2.deploy(0, salt, _creationCode(implementation, args));
    }

    /// @notice The address {cloneDeterministic} gives when called by `deployer`.
    function predictDeterministicAddress(address implementation, bytes memory args, bytes32 salt, address deployer)
        internal
        pure
        returns (address)
    {
        return Create2.computeAddress(salt, keccak256(_creationCode(implementation, args)), deployer);
    }

    /// @notice The immutable arguments of `instance`, a clone made here.
    function fetchArgs(address instance) internal view returns (bytes memory args) {
        args = new bytes(instance.code.length - _ARGS_OFFSET); // reverts if the code is too short
        assembly ("memory-safe") {
            extcodecopy(instance, add(args, 0x20), _ARGS_OFFSET, mload(args))
        }
    }

    function _creationCode(address implementation, bytes memory args) private pure returns (bytes memory) {
        if (args.length > 0x5fcd) revert PayableClonesArgumentsTooLong(); // code at most 24,576 bytes
        return abi.encodePacked(
            hex"61",
            uint16(args.length + _ARGS_OFFSET),
            hex"3d81600a3d39f3", // copy the runtime (after these 10 bytes) to memory and return it
            hex"36600557005b", // no calldata: stop (plain ETH accepted); else jump on
            hex"363d3d373d3d3d363d73",
            implementation,
            hex"5af43d82803e903d91603157fd5bf3",
            args
        );
    }
}
