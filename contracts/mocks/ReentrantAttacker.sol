// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/**
 * @notice Test attacker: a malicious receiver that re-enters a target when it receives a ticket
 * (`onERC721Received`) or ETH (`receive`). It replays `reentryData` against `reentryTarget` and bubbles up the
 * revert, so a test sees the guard's error; with `swallow` set it records the failure and carries on instead.
 */
contract ReentrantAttacker is IERC721Receiver {
    address public reentryTarget;
    bytes public reentryData;
    uint256 public reentryValue;
    bool public armed;
    bool public swallow;
    uint256 public attempts;
    bytes public lastError;

    /// @notice Sets what to replay on the next hook (one shot).
    function arm(address target, bytes calldata data, uint256 value, bool swallow_) external {
        reentryTarget = target;
        reentryData = data;
        reentryValue = value;
        swallow = swallow_;
        armed = true;
    }

    /// @notice Makes an arbitrary call from this contract (to buy, claim, approve, ...).
    function execute(address target, bytes calldata data, uint256 value) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) _bubble(ret);
        return ret;
    }

    /// @notice Accepts the ticket, re-entering first when armed.
    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _reenter();
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @notice Accepts ETH (a refund, a claim), re-entering first when armed.
    receive() external payable {
        _reenter();
    }

    function _reenter() private {
        if (!armed) return;
        armed = false;
        attempts++;
        (bool ok, bytes memory ret) = reentryTarget.call{value: reentryValue}(reentryData);
        if (!ok) {
            if (!swallow) _bubble(ret);
            lastError = ret;
        }
    }

    function _bubble(bytes memory ret) private pure {
        assembly {
            revert(add(ret, 32), mload(ret))
        }
    }
}
