// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test payer that sends ETH the way many marketplaces pay royalties: `transfer`, with the 2,300-gas stipend.
contract StipendPayer {
    /// @notice Forwards msg.value to `to` with `transfer`.
    function pay(address payable to) external payable {
        to.transfer(msg.value);
    }
}
