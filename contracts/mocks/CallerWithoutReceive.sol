// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @notice Test wallet that holds tickets and makes calls but cannot receive ETH (no receive, no payable fallback),
/// like a contract account that was never meant to hold ETH.
contract CallerWithoutReceive is IERC721Receiver {
    /// @notice Makes an arbitrary call from this contract, bubbling up its revert.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    /// @notice Accepts tickets.
    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return IERC721Receiver.onERC721Received.selector;
    }
}
